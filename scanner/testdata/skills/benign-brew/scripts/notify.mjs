// Posts a summary to a local webhook the user configured.
import { readFile } from 'node:fs/promises';

const url = process.env.NOTIFY_URL ?? 'http://127.0.0.1:8080/hook';
const body = await readFile(new URL('./summary.txt', import.meta.url), 'utf8');
await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
