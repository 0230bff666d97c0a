import init, { Profile, Recommender } from "shelfwise";

await init();                                          // fetches shelfwise_bg.wasm next to the module
const rec = await Recommender.load("/model.bundle");   // Vite serves public/model.bundle here; in production add { integrity: "sha256-…", cache: true }
const profile = await Profile.open();                  // on-device history; stored only after profile.grantConsent()

for (const { item } of rec.popular({ k: 3 })) await profile.view(item);   // your product pages call profile.view(id)

const shelf = rec.recommend(profile.history(), { k: 5 });                  // [{ item, score }], history excluded
const list = document.getElementById("recs");                              // index.html: <ol id="recs"></ol>
if (!list) throw new Error('shelfwise quick start: the page needs an <ol id="recs"></ol> for the shelf');
list.replaceChildren(
  ...shelf.map(({ item, score }) => Object.assign(document.createElement("li"), { textContent: `${item} (${score.toFixed(3)})` })),
);
