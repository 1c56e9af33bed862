import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
const f = process.argv[2];
const api = register({ namespace: 'y', tsconfig: process.argv[3] });
const m = await api.import(pathToFileURL(f).href, import.meta.url);
try { await m.up({ raw: async () => {} }); } catch (e) { console.log(e.stack.slice(0, 300)); }
