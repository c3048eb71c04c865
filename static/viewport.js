// The viewport: which part of the mosaic is on screen, as a centre in mosaic pixels and a
// zoom (screen pixels per mosaic pixel), and the goal it eases towards each frame, so that
// every move glides (OpenSeadragon's viewport and spring, in one small class).

// Share of the remaining distance (in log-zoom and in position) covered each frame.
const EASE = 0.28;
// The whole map fills this share of the free screen.
const FIT_MARGIN = 0.95;
// The farthest out one can zoom, as a share of the whole-map zoom.
const MIN_ZOOM_OF_FIT = 0.5;
// A glide ends once it is this close to its goal: log-zoom, and screen pixels.
const SETTLED_LOG_ZOOM = 1e-4;
const SETTLED_PX = 0.3;

export class Viewport {
  // `world`: the mosaic's size in pixels; `maxZoom`: the farthest in one can zoom, in screen
  // pixels per mosaic pixel (the cells' native resolution, from the build); `ease`: the
  // share of the way covered each frame (1 jumps, for reduced motion).
  constructor(world, maxZoom, ease = EASE) {
    this.world = world;
    this.maxZoom = maxZoom;
    this.ease = ease;
    // The screen height the title bar covers at the top.
    this.top = 0;
    // Whether the view is the whole map the viewer chose (not moved by the user since), so
    // that a resize refits it.
    this.atHome = true;
    this.width = 0;
    this.height = 0;
    this.view = { x: world.width / 2, y: world.height / 2, z: 1 };
    this.goal = { ...this.view };
    // The mosaic point kept under a screen point while zooming there.
    this.anchor = null;
    // Whether the view changed since the last frame was drawn (the frame loop clears it).
    this.dirty = true;
  }

  resize(width, height, top) {
    this.width = width;
    this.height = height;
    this.top = top;
    if (this.atHome) {
      this.home();
      this.jump();
    }
  }

  fitZoom() {
    const { width, height } = this.world;
    return Math.min(this.width / width, (this.height - this.top) / height) * FIT_MARGIN;
  }

  // The zoom range: from half the whole map to the cells' native resolution (or the whole
  // map, for a map smaller than the screen).
  clampZoom(z) {
    const fit = this.fitZoom();
    return Math.min(Math.max(z, fit * MIN_ZOOM_OF_FIT), Math.max(this.maxZoom, fit));
  }

  clampCentre(v) {
    v.x = Math.min(Math.max(v.x, 0), this.world.width);
    v.y = Math.min(Math.max(v.y, 0), this.world.height);
    return v;
  }

  toImage(sx, sy) {
    const { view } = this;
    return { x: view.x + (sx - this.width / 2) / view.z, y: view.y + (sy - this.height / 2) / view.z };
  }

  toScreen(ix, iy) {
    const { view } = this;
    return { x: (ix - view.x) * view.z + this.width / 2, y: (iy - view.y) * view.z + this.height / 2 };
  }

  // The mosaic rectangle on screen, as [x0, y0, x1, y1].
  visibleRect() {
    const a = this.toImage(0, 0), b = this.toImage(this.width, this.height);
    return [a.x, a.y, b.x, b.y];
  }

  // Sets the goal (a move by the user or for them); without `animated` the view jumps there.
  // A goal past the map's edge is pulled back, and the point under the pointer is then let
  // go (it cannot stay put), so the view always settles with part of the map on screen.
  setGoal(goal, anchor = null, animated = true) {
    this.atHome = false;
    const wanted = { x: goal.x, y: goal.y };
    this.goal = this.clampCentre(goal);
    this.anchor = wanted.x === this.goal.x && wanted.y === this.goal.y ? anchor : null;
    if (!animated) this.jump();
  }

  jump() {
    this.view = { ...this.goal };
    this.anchor = null;
    this.dirty = true;
  }

  // Zooms by `factor` keeping the mosaic point under screen point (sx, sy) in place; zoomed
  // out to the whole map or beyond, the map is centred instead, so it never parks in a
  // corner or leaves the screen.
  zoomAt(factor, sx, sy, animated = true) {
    const point = this.toImage(sx, sy);
    const z = this.clampZoom(this.goal.z * factor);
    if (factor < 1 && z <= this.fitZoom()) {
      this.setGoal({ x: this.world.width / 2, y: this.world.height / 2 - this.top / 2 / z, z }, null, animated);
      return;
    }
    const goal = { x: point.x - (sx - this.width / 2) / z, y: point.y - (sy - this.height / 2) / z, z };
    this.setGoal(goal, { sx, sy, ix: point.x, iy: point.y }, animated);
  }

  panBy(dx, dy, animated) {
    const { goal, view } = this;
    this.setGoal({ x: goal.x - dx / view.z, y: goal.y - dy / view.z, z: goal.z }, null, animated);
  }

  centreOn(ix, iy, animated) {
    this.setGoal({ x: ix, y: iy, z: this.goal.z }, null, animated);
  }

  // The view of the whole map, centred in the screen below the top bar.
  wholeMap() {
    const z = this.fitZoom();
    return { x: this.world.width / 2, y: this.world.height / 2 - this.top / 2 / z, z };
  }

  home() {
    this.goal = this.wholeMap();
    this.anchor = null;
    this.atHome = true;
  }

  // Puts mosaic point (ix, iy) in the middle of the screen area [l, t, r, b], zoomed in to
  // at least `z`.
  flyTo(ix, iy, [l, t, r, b], z = this.goal.z) {
    const zoom = this.clampZoom(Math.max(this.goal.z, z));
    this.setGoal({
      x: ix - ((l + r) / 2 - this.width / 2) / zoom,
      y: iy - ((t + b) / 2 - this.height / 2) / zoom,
      z: zoom,
    });
  }

  // Fits the mosaic rectangle [x0, y0, x1, y1] into the screen area [l, t, r, b].
  fitRect([x0, y0, x1, y1], [l, t, r, b]) {
    const z = this.clampZoom(Math.min((r - l) / Math.max(x1 - x0, 1), (b - t) / Math.max(y1 - y0, 1)) * FIT_MARGIN);
    this.setGoal({
      x: (x0 + x1) / 2 - ((l + r) / 2 - this.width / 2) / z,
      y: (y0 + y1) / 2 - ((t + b) / 2 - this.height / 2) / z,
      z,
    });
  }

  // One frame of easing towards the goal: 'moved' while gliding, 'settled' on the frame it
  // arrives, null when it was already there.
  step() {
    const { view, goal, anchor } = this;
    const lz = Math.log(view.z), gz = Math.log(goal.z);
    const zooming = Math.abs(gz - lz) > SETTLED_LOG_ZOOM;
    const moving = zooming || Math.abs(goal.x - view.x) * view.z > SETTLED_PX || Math.abs(goal.y - view.y) * view.z > SETTLED_PX;
    if (moving) {
      view.z = zooming ? Math.exp(lz + (gz - lz) * this.ease) : goal.z;
      if (anchor) {
        view.x = anchor.ix - (anchor.sx - this.width / 2) / view.z;
        view.y = anchor.iy - (anchor.sy - this.height / 2) / view.z;
      } else {
        view.x += (goal.x - view.x) * this.ease;
        view.y += (goal.y - view.y) * this.ease;
      }
      this.dirty = true;
      return 'moved';
    }
    if (anchor || view.x !== goal.x || view.y !== goal.y || view.z !== goal.z) {
      this.jump();
      return 'settled';
    }
    return null;
  }
}
