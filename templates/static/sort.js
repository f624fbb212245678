// Sorts a table.sortable by the column whose heading is pressed; without this script the table reads in title order.
// A cell sorts by its data-value where it has one (threat ranks), else by its text (numbers as numbers).
"use strict";
for (const table of document.querySelectorAll("table.sortable")) {
  const headings = Array.from(table.tHead.rows[0].cells);
  const body = table.tBodies[0];
  const original = Array.from(body.rows);
  const key = (row, column) => {
    const cell = row.cells[column];
    const value = cell.dataset.value ?? cell.textContent.trim();
    return headings[column].dataset.sort === "number" ? Number(value) : value;
  };
  const collator = new Intl.Collator(document.documentElement.lang, { sensitivity: "base", numeric: true });
  headings.forEach((heading, column) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort-button";
    button.append(...heading.childNodes);
    heading.append(button);
    button.addEventListener("click", () => {
      const ascending = heading.getAttribute("aria-sort") !== "ascending";
      headings.forEach((other) => other.removeAttribute("aria-sort"));
      heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const rows = original.slice().sort((a, b) => {
        const x = key(a, column), y = key(b, column);
        const order = typeof x === "number" ? x - y : collator.compare(x, y);
        return ascending ? order : -order;
      });
      body.append(...rows);
    });
  });
}
