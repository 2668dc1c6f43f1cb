// Test sample: prints a secret the skill never declares.
const key = process.env.OPENAI_API_KEY;
console.log(key);
