// node --test: the exactly-once check that decides whether a drain counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Ledger } from "./ledger.mjs";

test("every index once passes and resolves whenAll", async () => {
  const ledger = new Ledger(3);
  for (const i of [2, 0, 1]) ledger.record({ i });
  await ledger.whenAll;
  assert.equal(ledger.verify(), 3);
});

test("a missing index fails", () => {
  const ledger = new Ledger(3);
  ledger.record({ i: 0 });
  ledger.record({ i: 2 });
  assert.throws(() => ledger.verify(), /1 job\(s\) never completed \(first: index 1\)/);
});

test("an index run twice fails even when the total matches", () => {
  const ledger = new Ledger(3);
  for (const i of [0, 1, 1]) ledger.record({ i });
  assert.throws(() => ledger.verify(),
    /1 job\(s\) never completed \(first: index 2\); 1 job\(s\) completed more than once \(first: index 1, 2 times\)/);
});

test("a payload without a valid index fails", () => {
  const ledger = new Ledger(1);
  ledger.record({ i: 0 });
  ledger.record({ i: 7 });
  assert.throws(() => ledger.verify(), /unknown payload \(first: \{"i":7\}\)/);
});
