// Generated product pictures: an SVG in the category's colour with its initial and a shape drawn
// from the product's code, so shelves look like shelves without any image being fetched.

/** Soft backgrounds and their inks, one pair per category (by a hash of its name). */
const SWATCHES = ["#d8ebe4", "#f3e1c7", "#dfe4f2", "#f2dbe0", "#e4ecd0", "#ece0f2", "#d6eaf2", "#f5ead0", "#e2e2e2", "#f0d8cc"];
const INKS = ["#2f6f5e", "#8a5a00", "#3b4f8c", "#8c3b4f", "#55702a", "#6a3b8c", "#2a6a80", "#7a6420", "#555555", "#8a4a30"];
const NS = "http://www.w3.org/2000/svg";

/** FNV-1a of a string: the same picture for the same product on every visit. */
function hashOf(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** The picture of catalogue `entry` ({ item, attributes }); `large` adds the category's name. */
export function picture(entry, large = false) {
  const category = entry.attributes?.category ?? "shop";
  const c = hashOf(category) % SWATCHES.length;
  const h = hashOf(entry.item);
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 100 64");
  svg.setAttribute("class", "thumb");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${category} product`);
  svg.dataset.category = category;
  const add = (name, attrs) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    svg.append(e);
    return e;
  };
  add("rect", { width: 100, height: 64, fill: SWATCHES[c] });
  const x = 62 + (h % 20), y = 20 + ((h >> 5) % 24), r = 10 + ((h >> 10) % 10);
  const shape = h % 2
    ? ["circle", { cx: x, cy: y, r }]
    : ["rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, rx: 4 }];
  add(shape[0], { ...shape[1], fill: INKS[c], opacity: 0.18 });
  const font = { "font-family": "system-ui, sans-serif", fill: INKS[c], "text-anchor": "middle" };
  add("text", { x: 22, y: 44, "font-size": 34, "font-weight": 700, ...font }).textContent = category[0].toUpperCase();
  if (large) add("text", { x: 50, y: 60, "font-size": 6, ...font }).textContent = category;
  return svg;
}
