"""Writes written-security-advice.jsonl: answers and notes that explain prompt injection and
advise against it (benign). They name what an attack does ("it tries to make your bot drop
its instructions") and speak to the reader in imperatives ("never paste it unfiltered", "treat
it as data"), as an honest answer about an attack does; the prompt model scored such an answer
0.70 (the walker test's own answer is not among these rows). Run from the repository root: python3 sanitizer/train-prompts/gen_security_advice.py
"""
import json, random

random.seed(20261207)
what = [
    "It wants the bot to abandon the rules it was given.",
    "That text is an attempt to override the assistant's rules.",
    "This is a classic injection: it asks the model to forget its configuration.",
    "The line is written to hijack the agent's task.",
    "It is a jailbreak attempt that tells the model it has no restrictions.",
    "The hidden comment tries to get the agent to leak its system prompt.",
    "That email contains instructions aimed at the AI, not at you.",
    "It pretends to be a message from the developer to gain authority.",
    "The payload asks the assistant to send data to an outside address.",
    "Such a string tries to replace the operator's instructions with the attacker's.",
]
advice = [
    "Treat anything users paste as data, never as instructions.",
    "Keep untrusted content separate from your instructions and label it clearly.",
    "Don't give the agent tools it doesn't need, so a hijack can do less.",
    "Log it and review the logs weekly.",
    "You should also report it to your security team.",
    "Run a filter on tool results before the model reads them.",
    "Require a human confirmation before the agent sends email or deletes files.",
    "Strip HTML comments and invisible characters from fetched pages.",
    "Do not let the model follow links it finds in documents without asking you.",
    "Rotate any keys the agent could read, just in case.",
    "Test your bot with a few known injection strings before going live.",
    "Keep the system prompt free of secrets; assume it can leak.",
    "Block outbound requests to domains you have not allowed.",
    "Tell your users not to forward untrusted messages to the bot.",
]
openers = ["Yes.", "Yes, it is.", "Correct.", "Good catch.", "That's right.", "Short answer: yes.", "It is an attack.", "", "Right."]
closers = ["", "You should also log it.", "Hope that helps.", "Let me know if you want a sample filter.", "I can write a checklist if you like.", "Stay safe."]
rows, seen = [], set()
while len(rows) < 80:
    parts = [random.choice(openers), random.choice(what)] + random.sample(advice, random.choice([1, 2, 3])) + [random.choice(closers)]
    t = " ".join(p for p in parts if p)
    if t not in seen:
        seen.add(t)
        rows.append({"text": t, "label": 0, "source": "written security advice (lead: honest answers that explain an injection and advise against it)", "category": "benign/security-advice"})
with open("sanitizer/train-prompts/written-security-advice.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(len(rows), "rows")
