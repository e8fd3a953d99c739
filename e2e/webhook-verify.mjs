// Verifies webhook requests that Vigie sent with the Standard Webhooks
// reference library (npm standardwebhooks).
// Usage: node webhook-verify.mjs REQUESTS.json, a JSON array of
// {secret, headers, body (base64), expect: "valid" | "invalid"}.
// Exits 1 when any request is not judged as expected.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const requests = JSON.parse(readFileSync(process.argv[2], "utf8"));
let wrong = 0;
for (const [i, r] of requests.entries()) {
  let verdict = "valid";
  let reason = "";
  try {
    new Webhook(r.secret).verify(Buffer.from(r.body, "base64"), r.headers);
  } catch (e) {
    verdict = "invalid";
    reason = e.message;
  }
  const ok = verdict === r.expect;
  if (!ok) wrong++;
  console.log(`request ${i}: ${verdict}${reason ? ` (${reason})` : ""}, expected ${r.expect}${ok ? "" : "  <-- WRONG"}`);
}
process.exit(wrong ? 1 : 0);
