// Building page elements from data: properties set through the DOM (text as textContent),
// never through HTML, so nothing in the data can become markup.

// A `tag` element with `attributes` (DOM properties) and `children` (nodes or text).
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, attributes);
  node.append(...children);
  return node;
}

// Saves `blob` as a file named `name` through a temporary link.
export function download(blob, name) {
  const link = element('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
