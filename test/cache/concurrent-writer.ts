// Run by store.test.ts as `node --import tsx concurrent-writer.ts <dir> <key> <id> <times>`: writes
// the entry of <key> <times> times, each holding a 256 KB artifact filled with byte <id>, so that
// several of these processes race to replace the same file.
import { writeEntry } from "../../compiler/cache/store.js";

const [dir, key, id, times] = process.argv.slice(2) as [string, string, string, string];
const artifacts = new Map([["data", new Uint8Array(256 * 1024).fill(Number(id))]]);
for (let i = 0; i < Number(times); i++) writeEntry(dir, key, artifacts, 1 << 30);
