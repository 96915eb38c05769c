// Inline SVG icons, built with the DOM API from fixed path data (24x24 unless noted).
const SVG_NS = 'http://www.w3.org/2000/svg';

const ICONS = {
  check: { viewBox: '0 0 18 12', stroke: ['M1.5 6.5l3.6 3.6L12.6 2.4'] },
  doubleCheck: { viewBox: '0 0 18 12', stroke: ['M1.5 6.5l3.6 3.6L12.6 2.4', 'M7.9 9.4l.7.7L16.1 2.4'] },
  clock: { stroke: ['M12 3.5a8.5 8.5 0 1 1 0 17 8.5 8.5 0 0 1 0-17z', 'M12 7.5V12l3 2'] },
  alert: { stroke: ['M12 3.5a8.5 8.5 0 1 1 0 17 8.5 8.5 0 0 1 0-17z', 'M12 7.5v5.5', 'M12 16.3v.2'] },
  send: { fill: ['M3 20.5 21 12 3 3.5l2.4 7.1L14 12l-8.6 1.4z'] },
  attach: { stroke: ['M20.5 11.5l-8.2 8.2a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8'] },
  newChat: { stroke: ['M20 12a8 8 0 0 1-11.6 7.1L4 20l1-4.2A8 8 0 1 1 20 12z', 'M12 8.5v7', 'M8.5 12h7'] },
  group: {
    stroke: ['M9 4.8a3.2 3.2 0 1 1 0 6.4 3.2 3.2 0 0 1 0-6.4z', 'M3 19c.6-3.3 3-5 6-5s5.4 1.7 6 5',
      'M16.6 6.4a2.6 2.6 0 1 1 0 5.2', 'M17 14.2c2.3.2 3.7 1.6 4.2 4.3'],
  },
  signOut: { stroke: ['M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3', 'M10 16l4-4-4-4', 'M14 12H4'] },
  back: { stroke: ['M19 12H5', 'M11 6l-6 6 6 6'] },
  search: { stroke: ['M11 4.5a6.5 6.5 0 1 1 0 13 6.5 6.5 0 0 1 0-13z', 'M16 16l4.5 4.5'] },
  offline: {
    stroke: ['M9.2 16.9a4 4 0 0 1 5.6 0', 'M6 13.6a8.5 8.5 0 0 1 12 0', 'M2.8 10.2a13 13 0 0 1 18.4 0', 'M12 20.2h.01',
      'M4 3.5l16 17'],
  },
  sync: { stroke: ['M20 11a8 8 0 0 0-14.6-4.5L4 8', 'M4 4v4h4', 'M4 13a8 8 0 0 0 14.6 4.5L20 16', 'M20 20v-4h-4'] },
};

/** Creates the named icon as an <svg> element (decorative: hidden from assistive technology). */
export function icon(name, className = 'icon') {
  const spec = ICONS[name];
  if (!spec) throw new Error(`Unknown icon ${name}`);
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', spec.viewBox ?? '0 0 24 24');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of spec.stroke ?? []) svg.append(path(d, 'stroke'));
  for (const d of spec.fill ?? []) svg.append(path(d, 'fill'));
  return svg;
}

function path(d, kind) {
  const node = document.createElementNS(SVG_NS, 'path');
  node.setAttribute('d', d);
  node.setAttribute('class', kind === 'fill' ? 'icon-fill' : 'icon-stroke');
  return node;
}

/** Fills every element carrying data-icon="name" in the static page with its icon. */
export function hydrateIcons(root = document) {
  for (const node of root.querySelectorAll('[data-icon]')) {
    if (!node.firstElementChild) node.append(icon(node.dataset.icon));
  }
}
