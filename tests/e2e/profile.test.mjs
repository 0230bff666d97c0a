// The on-device Profile in Chromium, with localStorage and with IndexedDB: consent gates storage,
// retention and the size cap hold, export shows everything, clear and revoke erase it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { pageSite } from "./harness.mjs";

const PAGE = `<!doctype html><meta charset="utf-8"><title>profile</title>
<script type="module">
  import init, { Profile, Recommender } from "./pkg/index.js";
  await init();
  globalThis.shelfwise = { Profile, Recommender };
  /** What the origin has stored: localStorage keys and IndexedDB records of every database. */
  globalThis.stored = async () => {
    const dbs = {};
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((ok, fail) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
      dbs[name] = db.objectStoreNames.contains("profile")
        ? await new Promise((ok) => { const r = db.transaction("profile").objectStore("profile").getAll(); r.onsuccess = () => ok(r.result); })
        : [];
      db.close();
    }
    return { local: { ...localStorage }, idb: dbs };
  };
  document.body.dataset.ready = "true";
</script>`;

let site;
before(async () => { site = await pageSite(PAGE); });
after(async () => { await site?.close(); });
const freshPage = () => site.open();

for (const storage of ["localStorage", "indexedDB"]) {
  test(`${storage}: nothing is stored before consent; consented events survive a reload`, async () => {
    const page = await freshPage();
    const before = await page.evaluate(async (storage) => {
      const p = await globalThis.shelfwise.Profile.open({ storage, key: "shop" });
      await p.view("A");
      await p.addToCart("B");
      return { consent: p.hasConsent, items: p.items(), stored: await globalThis.stored() };
    }, storage);
    assert.equal(before.consent, false);
    assert.deepEqual(before.items, ["A", "B"], "kept in memory for this page");
    assert.deepEqual(before.stored.local, {});
    assert.ok(Object.values(before.stored.idb).every((records) => records.length === 0), JSON.stringify(before.stored.idb));

    await page.evaluate(async (storage) => {
      const p = await globalThis.shelfwise.Profile.open({ storage, key: "shop" });
      await p.view("A");
      await p.grantConsent();
      await p.purchase("C");
    }, storage);
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === "true");
    const after = await page.evaluate(async (storage) => {
      const reopened = await globalThis.shelfwise.Profile.open({ storage, key: "shop" });
      return { consent: reopened.hasConsent, events: reopened.events().map((e) => [e.kind, e.item]), history: reopened.history() };
    }, storage);
    assert.equal(after.consent, true);
    assert.deepEqual(after.events, [["view", "A"], ["purchase", "C"]]);
    assert.deepEqual(after.history, [{ item: "A", weight: 1 }, { item: "C", weight: 5 }]);
    await page.context().close();
  });

  test(`${storage}: retention window and size cap, export, clear and revoke`, async () => {
    const page = await freshPage();
    const r = await page.evaluate(async (storage) => {
      const { Profile } = globalThis.shelfwise;
      const DAY = 86_400_000;
      const now = Date.now();
      const p = await Profile.open({ storage, key: "shop", retentionDays: 7, maxEvents: 4 });
      await p.grantConsent();
      await p.record("view", "old", now - 8 * DAY);          // outside the window: dropped
      await p.record("view", "X", now - 3 * DAY);
      await p.record("cart", "X", now - 2 * DAY);
      await p.record("view", "Y", now - 1 * DAY);
      await p.record("view", "Z", now - 4 * DAY);            // inserted in time order
      const events = p.events().map((e) => e.item);
      await p.record("purchase", "W", now);                 // cap 4: the oldest goes
      const capped = p.events().map((e) => e.item);
      const decayed = p.history({ halfLifeDays: 1, now }).map((h) => [h.item, Number(h.weight.toFixed(4))]);
      const exported = p.export();
      await p.clear();
      const afterClear = { events: p.events().length, consent: p.hasConsent, stored: await globalThis.stored() };
      await p.revokeConsent();
      const afterRevoke = { consent: p.hasConsent, stored: await globalThis.stored() };
      const errors = [];
      for (const args of [["like", "X"], ["view", ""], ["view", 42], ["view", "X", NaN]]) {
        try { await p.record(...args); errors.push("accepted"); } catch (e) { errors.push(`${e.name}: ${e.message}`); }
      }
      try { await Profile.open({ storage, retentionDays: -1 }); } catch (e) { errors.push(`${e.name}: ${e.message}`); }
      return { events, capped, decayed, exported, afterClear, afterRevoke, errors };
    }, storage);
    assert.deepEqual(r.events, ["Z", "X", "X", "Y"]);
    assert.deepEqual(r.capped, ["X", "X", "Y", "W"]);
    // X: view 3 days ago (1 × 2^-3) + cart 2 days ago (3 × 2^-2); Y: 2^-1; W: 5.
    assert.deepEqual(r.decayed, [["X", 0.875], ["Y", 0.5], ["W", 5]]);
    assert.equal(r.exported.format, "shelfwise-profile/1");
    assert.equal(r.exported.storage, storage);
    assert.equal(r.exported.retentionDays, 7);
    assert.match(r.exported.consentGiven, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    assert.deepEqual(r.exported.events.map((e) => `${e.kind}:${e.item}`), ["view:X", "cart:X", "view:Y", "purchase:W"]);
    assert.ok(r.exported.events.every((e) => !Number.isNaN(Date.parse(e.time))));
    assert.equal(r.afterClear.events, 0);
    assert.equal(r.afterClear.consent, true, "clear keeps the consent choice");
    const kept = storage === "localStorage" ? [r.afterClear.stored.local.shop] : r.afterClear.stored.idb.shop;
    assert.deepEqual(JSON.parse(kept[0]).events, []);
    assert.equal(r.afterRevoke.consent, false);
    assert.deepEqual(r.afterRevoke.stored.local, {});
    assert.ok(Object.values(r.afterRevoke.stored.idb).every((records) => records.length === 0));
    assert.deepEqual(r.errors, [
      'TypeError: unknown event kind "like" (expected view, cart, purchase)',
      'TypeError: item must be a non-empty string of at most 256 characters, got ""',
      "TypeError: item must be a non-empty string of at most 256 characters, got 42",
      "TypeError: time must be a finite number of milliseconds, got NaN",
      "TypeError: Profile option retentionDays must be a finite number > 0, got -1",
    ]);
    await page.context().close();
  });
}

test("a profile feeds recommend: purchases weigh more than views", async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const { Profile, Recommender } = globalThis.shelfwise;
    const rec = await Recommender.load("./model.bundle");
    const [a, b] = rec.popular({ k: 40 }).map((s) => s.item).slice(30);
    const p = await Profile.open({ storage: "memory" });
    await p.view(a);
    await p.purchase(b);
    const viaProfile = rec.recommend(p.history(), { k: 10 });
    const explicit = rec.recommend([{ item: a, weight: 1 }, { item: b, weight: 5 }], { k: 10 });
    const unweighted = rec.recommend([a, b], { k: 10 });
    return { viaProfile, explicit, unweighted, a, b };
  });
  assert.deepEqual(r.viaProfile, r.explicit);
  assert.notDeepEqual(r.viaProfile, r.unweighted, "weights change the scores");
  assert.equal(r.viaProfile.length, 10);
  assert.ok(!r.viaProfile.some((s) => s.item === r.a || s.item === r.b), "history excluded");
  await page.context().close();
});

test("a stored profile that is not ours is discarded with a warning, not a crash", async () => {
  const page = await freshPage();
  const warnings = [];
  page.on("console", (m) => { if (m.type() === "warning") warnings.push(m.text()); });
  const r = await page.evaluate(async () => {
    localStorage.setItem("shop", "{not json");
    const p = await globalThis.shelfwise.Profile.open({ key: "shop" });
    return { events: p.events().length, consent: p.hasConsent, left: localStorage.getItem("shop") };
  });
  assert.deepEqual(r, { events: 0, consent: false, left: null });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /discarding unreadable profile "shop"/);
  await page.context().close();
});

test("rotation: impressions are kept with consent, reset by a click, and sink ignored items", async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const p = await globalThis.shelfwise.Profile.open({ key: "rot" });
    const bytes = new Uint8Array(await (await fetch("./model.bundle")).arrayBuffer());
    const rec = globalThis.shelfwise.Recommender.fromBytes(bytes);
    const seed = rec.popular({ k: 3 }).map((s) => s.item);
    for (const item of seed) await p.view(item);
    const first = rec.recommend(p.history(), { k: 5 });
    const beforeConsent = { ...localStorage };
    await p.grantConsent();
    for (let i = 0; i < 10; i++) await p.shown(first);
    const counts = p.impressions();
    const rotated = rec.recommend(p.history(), { k: 5, rotation: { impressions: p.impressions() } });
    await p.view(first[0].item);
    const afterClick = p.impressions().find((x) => x.item === first[0].item);
    const reopened = (await globalThis.shelfwise.Profile.open({ key: "rot" })).impressions().length;
    const exported = p.export().impressions.length;
    await p.clear();
    return {
      first: first.map((s) => s.item), rotated: rotated.map((s) => s.item), counts, afterClick, reopened, exported, beforeConsent,
      cleared: p.impressions().length,
    };
  });
  assert.deepEqual(r.beforeConsent, {});
  assert.deepEqual(r.counts.map((c) => c.count), [10, 10, 10, 10, 10]);
  assert.ok(r.rotated.every((i) => !r.first.includes(i)), `ignored items sink: ${r.rotated} vs ${r.first}`);
  assert.equal(r.afterClick, undefined, "a click resets the item's impressions");
  assert.equal(r.reopened, 4);
  assert.equal(r.exported, 4);
  assert.equal(r.cleared, 0);
  await page.close();
});
