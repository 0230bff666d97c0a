// The demo storefront in a second engine: Debian's Firefox ESR through geckodriver (classic
// WebDriver, selenium-webdriver). The same clicks give the same shelves, bit for bit, as in Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { Builder, By, until } from "selenium-webdriver";
import firefox from "selenium-webdriver/firefox.js";
import { launch, openStore, serve, shelf } from "./harness.mjs";

const FIREFOX = process.env.FIREFOX ?? "/usr/bin/firefox-esr";
/** geckodriver from GECKODRIVER, else the PATH (scripts/lib.sh installs it with cargo). */
function geckodriver() {
  if (process.env.GECKODRIVER) return process.env.GECKODRIVER;
  try {
    return execFileSync("sh", ["-c", "command -v geckodriver"]).toString().trim();
  } catch {
    return "";
  }
}
const GECKODRIVER = geckodriver();
const skip = !(existsSync(FIREFOX) && GECKODRIVER) && "needs firefox-esr and geckodriver (scripts/test.sh installs both)";

let server, driver;
before(async () => {
  if (skip) return;
  server = await serve();
  const options = new firefox.Options().addArguments("-headless").setBinary(FIREFOX);
  driver = await new Builder()
    .forBrowser("firefox")
    .setFirefoxOptions(options)
    .setFirefoxService(new firefox.ServiceBuilder(GECKODRIVER))
    .build();
});
after(async () => {
  await driver?.quit();
  server?.stop();
});

/** The items on a shelf, in order. */
async function items(id) {
  return driver.executeScript((id) => [...document.querySelectorAll(`#${id} .card`)].map((c) => c.dataset.item), id);
}

test("Firefox: the storefront loads, a shopper's clicks personalise it as in Chromium", { skip }, async () => {
  await driver.get(server.url);
  await driver.wait(async () => (await driver.executeScript(() => document.body.dataset.ready ?? null)) !== null, 30000);
  assert.equal(await driver.executeScript(() => document.body.dataset.ready), "true",
    await driver.findElement(By.id("status")).getText());
  const popular = await items("recommended");
  assert.equal(popular.length, 10);
  const catalog = await items("catalog");
  const picked = [catalog[3], catalog[7]];
  for (const item of picked) await driver.findElement(By.css(`#catalog .card[data-item="${item}"]`)).click();
  await driver.wait(until.elementTextIs(driver.findElement(By.id("history-count")), "2 items viewed"), 10000);
  const recs = await items("recommended");
  assert.equal(recs.length, 10);
  assert.ok(!recs.some((r) => picked.includes(r)), "history items are not recommended");
  assert.notDeepEqual(recs, popular, "recommendations are personal");

  // The same two clicks in Chromium: the same shelf, in the same order.
  const browser = await launch();
  try {
    const { page, errors } = await openStore(browser, server.url);
    for (const item of picked) await page.click(`#catalog .card[data-item="${item}"]`);
    assert.deepEqual((await shelf(page, "recommended")).map((r) => r.item), recs);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
