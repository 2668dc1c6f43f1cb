module.exports = { name: 'demo' };
