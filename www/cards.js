// Product cards: one catalogue entry (and, on a shelf, why it is there) as a clickable card.
import { picture } from "./pictures.js";

const span = (className, text) => Object.assign(document.createElement("span"), { className, textContent: text });

/**
 * The card of `entry` ({ item, title, price, attributes }) in an `<li>`. `scored` is the shelf's
 * result for it ({ score, promoted, because }); `titleOf(id)` names a product for "Because you
 * viewed …"; `open(id)` runs on a click or Enter.
 */
export function card(entry, scored, { titleOf, open }) {
  const { item } = entry;
  const div = document.createElement("div");
  div.className = "card";
  div.tabIndex = 0;
  div.dataset.item = item;
  if (scored.score !== undefined) div.dataset.score = String(scored.score);
  if (entry.attributes?.in_stock !== undefined) div.dataset.inStock = String(entry.attributes.in_stock);
  if (entry.attributes?.category) div.dataset.category = entry.attributes.category;
  div.append(picture(entry), span("title", entry.title ?? item));
  if (scored.promoted) {
    div.dataset.promoted = "true";
    div.append(span("badge", "Promoted"));
  }
  if (scored.because?.length) {
    div.dataset.because = scored.because.join(" ");
    div.append(span("because", `Because you viewed ${titleOf(scored.because[0])}`));
  }
  const meta = span("meta", "");
  meta.append(span("price", entry.price !== undefined ? `£${entry.price.toFixed(2)}` : ""), span("", item));
  div.append(meta);
  div.addEventListener("click", () => open(item));
  div.addEventListener("keydown", (e) => { if (e.key === "Enter") open(item); });
  const li = document.createElement("li");
  li.append(div);
  return li;
}
