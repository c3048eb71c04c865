// Pointer input on the map (OpenSeadragon's MouseTracker, for one canvas): one pointer drags,
// or clicks and taps when it barely moved; two pinch; the wheel and double-click zoom at the
// pointer. What a hover or a tap means is the caller's.

// A press that moves less than this (in CSS pixels, summed) is a click or tap, not a drag.
const DRAG_THRESHOLD_PX = 4;
// Wheel zoom: the zoom factor is exp(-delta × this), delta in pixels.
const WHEEL_ZOOM_RATE = 0.0025;
// Pixels per wheel "line" (deltaMode 1).
const WHEEL_LINE_PX = 16;
// Zoom factor of a double-click (its inverse with Shift).
const DOUBLE_CLICK_ZOOM = 2;

// Listens on `canvas`, moving `viewport`; `on` receives hover(sx, sy) for a mouse moving
// without a button, tap(sx, sy, pointerType, event), leave(), drag() when a drag starts and
// rest() when all pointers are up; `on.lasso(event)` gives, for a press that draws a lasso
// instead of panning, the object that draws it (beginLasso, extendLasso, endLasso), or null.
export function trackPointers(canvas, viewport, on) {
  const pointers = new Map();
  let press = null;
  let pinch = null;
  let lasso = null;
  const pinchState = () => {
    const [a, b] = [...pointers.values()];
    return { d: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  };

  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, { x: e.offsetX, y: e.offsetY });
    const drawer = pointers.size === 1 ? on.lasso(e) : null;
    lasso = drawer ? { drawer, moved: 0 } : null;
    if (lasso) {
      drawer.beginLasso(e.offsetX, e.offsetY, e);
      press = null;
      return;
    }
    if (pointers.size === 1) press = { moved: 0 };
    if (pointers.size === 2) {
      pinch = pinchState();
      press = null;
    }
  });

  canvas.addEventListener('pointermove', (e) => {
    const last = pointers.get(e.pointerId);
    if (!last) {
      if (e.pointerType === 'mouse') on.hover(e.offsetX, e.offsetY);
      return;
    }
    const dx = e.offsetX - last.x, dy = e.offsetY - last.y;
    pointers.set(e.pointerId, { x: e.offsetX, y: e.offsetY });
    if (lasso) {
      lasso.moved += Math.abs(dx) + Math.abs(dy);
      lasso.drawer.extendLasso(e.offsetX, e.offsetY);
      return;
    }
    if (pointers.size === 2 && pinch) {
      const now = pinchState();
      viewport.zoomAt(now.d / pinch.d, now.x, now.y, false);
      viewport.panBy(now.x - pinch.x, now.y - pinch.y, false);
      pinch = now;
    } else if (press) {
      press.moved += Math.abs(dx) + Math.abs(dy);
      if (press.moved > DRAG_THRESHOLD_PX) {
        canvas.classList.add('dragging');
        on.drag();
        viewport.panBy(dx, dy, false);
      }
    }
  });

  const end = (e) => {
    pointers.delete(e.pointerId);
    if (lasso) {
      // A press that barely moved is a click (Shift + click) or a tap: no lasso.
      const tapped = lasso.moved <= DRAG_THRESHOLD_PX;
      lasso.drawer.endLasso(!tapped && e.type === 'pointerup');
      lasso = null;
      if (tapped && e.type === 'pointerup') on.tap(e.offsetX, e.offsetY, e.pointerType, e);
      on.rest();
      return;
    }
    canvas.classList.remove('dragging');
    if (pointers.size < 2) pinch = null;
    if (press && press.moved <= DRAG_THRESHOLD_PX && e.type === 'pointerup' && pointers.size === 0) {
      on.tap(e.offsetX, e.offsetY, e.pointerType, e);
    }
    if (pointers.size === 0) {
      press = null;
      on.rest();
    }
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('pointerleave', () => on.leave());
}

// The wheel and double-click zoom `viewport` at the pointer.
export function trackWheel(canvas, viewport) {
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const px = e.deltaMode === 1 ? WHEEL_LINE_PX : e.deltaMode === 2 ? viewport.height : 1;
    viewport.zoomAt(Math.exp(-e.deltaY * px * WHEEL_ZOOM_RATE), e.offsetX, e.offsetY);
  }, { passive: false });

  canvas.addEventListener('dblclick', (e) => {
    viewport.zoomAt(e.shiftKey ? 1 / DOUBLE_CLICK_ZOOM : DOUBLE_CLICK_ZOOM, e.offsetX, e.offsetY);
  });
}
