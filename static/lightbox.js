// The full-image view: the original file (when the site carries one the browser can show)
// at its own resolution, scrollable (centred when smaller than the screen), else the preview;
// in a modal dialog that Esc closes, returning focus to what opened it. The arrow keys step
// to the neighbouring items there as on the map (keyboard.js).

// Extensions of originals a browser shows; others (TIFF) fall back to the preview.
const SHOWN_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'bmp'];

export class Lightbox {
  constructor(dialog) {
    this.dialog = dialog;
    this.image = document.getElementById('lightbox-image');
    this.size = document.getElementById('lightbox-size');
    this.opener = null;
    this.image.addEventListener('load', () => {
      this.size.textContent = `${this.image.naturalWidth} × ${this.image.naturalHeight} px`;
    });
    document.getElementById('lightbox-close').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => this.opener?.focus());
  }

  get open() {
    return this.dialog.open;
  }

  // Shows `record`'s image; when already open (arrow keys stepping items), in place.
  show(record) {
    if (!this.dialog.open) this.opener = document.activeElement;
    const extension = (record.original || '').split('?')[0].split('.').pop().toLowerCase();
    const source = record.original && SHOWN_EXTENSIONS.includes(extension) ? record.original : record.preview;
    document.getElementById('lightbox-title').textContent = record.title;
    this.size.textContent = '';
    this.image.alt = record.title;
    this.image.src = source;
    if (!this.dialog.open) this.dialog.showModal();
  }
}
