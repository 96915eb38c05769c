// Tiny DOM helpers. User data only ever reaches the page as text nodes or attribute values, never as markup.

/**
 * Creates an element. `props`: class, text (textContent), dataset, on<event> handlers, other attributes.
 * Children may be nodes or strings (appended as text).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.filter((child) => child != null && child !== false));
  return node;
}

/** Returns the element with this id, failing loudly when the page and the script disagree. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`Missing element #${id}`);
  return node;
}

/** Sets textContent only when it changed (keeps screen readers and selection calm). */
export function setText(node, text) {
  const value = text ?? '';
  if (node.textContent !== value) node.textContent = value;
}

/**
 * Makes `container`'s children exactly `nodes`, in order, moving existing nodes instead of re-creating them
 * (scroll position, focus and running animations survive a re-render).
 */
export function reconcileChildren(container, nodes) {
  let index = 0;
  for (const node of nodes) {
    const current = container.children[index];
    if (current !== node) container.insertBefore(node, current ?? null);
    index++;
  }
  while (container.children.length > nodes.length) container.lastElementChild.remove();
}

/** Coalesces many change notifications within one task into a single call of `fn`. */
export function coalesce(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      fn();
    });
  };
}
