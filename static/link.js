// The link and the viewer: what the URL hash should name now (hash.js writes it), and
// applying what a link names (at start, on Back and Forward, and when the hash is edited):
// the view, the filters, the search, the cluster, the selection and the open item, in that
// order.

// What the hash should name now: { layout, view, item, query, facets, years, cluster, selection }.
export function linkState(viewer) {
  const filters = viewer.filters ? viewer.filters.state() : { facets: '', years: '' };
  const cluster = viewer.cluster ? viewer.cluster.id : '';
  const selection = viewer.selector ? viewer.selector.linkText() : '';
  const layout = viewer.layout && !viewer.layout.isOwn ? viewer.layout.name : '';
  return { layout, view: viewer.viewport.goal, item: viewer.selected, query: viewer.search ? viewer.search.query() : '', ...filters, cluster, selection };
}

// Applies what a link names (at start, on Back and Forward, and when the hash is edited);
// `moveView` is false at start, where the view is already the link's.
export async function applyLink(viewer, link, moveView = true) {
  const { viewport } = viewer;
  // The view is in the link's layout: shown first (at start, the view set before the site
  // loaded was in the map's own layout, so it is set again).
  const switched = viewer.layoutMenu && link.layout !== (viewer.layout.isOwn ? '' : viewer.layout.name);
  if (switched) await viewer.layoutMenu.switchTo(link.layout, { fly: !link.view });
  if (link.view && (moveView || switched)) viewport.setGoal({ ...link.view, z: viewport.clampZoom(link.view.z) });
  if (switched && !moveView) viewport.jump();
  if (!viewer.site) return;
  if (viewer.filters && (link.facets !== viewer.filters.state().facets || link.years !== viewer.filters.state().years)) {
    await viewer.filters.setState(link);
  }
  if (viewer.search && link.query !== viewer.search.query()) await viewer.search.run(link.query);
  if (viewer.clusters && link.cluster !== (viewer.cluster ? viewer.cluster.id : '')) {
    const record = link.cluster ? await viewer.clusters.byId(link.cluster) : null;
    await viewer.selectCluster(record, { fly: !link.view });
  }
  if (viewer.selector && link.selection !== viewer.selector.linkText()) {
    await viewer.site.loadOccupied();
    viewer.selector.applyLink(link.selection);
  }
  if (link.item >= 0 && link.item < viewer.site.cells && link.item !== viewer.selected) {
    await viewer.openItem(link.item, { focus: false, history: 'none' });
    if (link.view) viewer.reveal(link.item);
    else viewer.flyIn(link.item);
  } else if (link.item < 0 && viewer.selected >= 0) {
    viewer.closePanel('none');
  }
}
