import type { AdminImage, Product } from '../api-types.js'
import { html, type SafeHtml } from '../html.js'
import type { ViewContext } from './layout.js'
import { csrfField } from './parts.js'

/** What the API takes (docs/images.md): the bytes decide, the accept list only steers the file picker. */
export const IMAGE_TYPES = 'image/jpeg,image/png,image/webp,image/avif,image/gif'

const STATUS: Record<AdminImage['status'], string> = { processing: 'Being processed', ready: 'Ready', failed: 'Failed' }

function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`
}

function thumbnail(image: AdminImage): SafeHtml {
  const small = image.variants?.jpeg[0]
  if (!small) return html`<div class="thumb placeholder" aria-hidden="true"></div>`
  return html`<img class="thumb" src="${small.url}" width="${small.width}" height="${small.height}" alt="${image.alt}" loading="lazy" decoding="async">`
}

/**
 * A product's images on its admin page: each with its status (variants are made
 * off the request, so a new upload shows "Being processed" until a reload after
 * it is ready), a delete button and, but for the first, "Show first" (the first
 * is the product's main picture); then the upload form. The upload form sends
 * the CSRF token as its first field: the route reads the fields in order and
 * checks it before any byte of the file is passed on.
 */
export function imagesSection(v: ViewContext, p: Product, images: AdminImage[], maxBytes: number): SafeHtml {
  const sorted = [...images].sort((a, b) => a.position - b.position)
  return html`<section aria-labelledby="images-title">
<h2 id="images-title">Images</h2>
${sorted.length === 0
  ? html`<p class="empty">No images yet. The first one becomes the product’s main picture.</p>`
  : html`<ol class="admin-images">${sorted.map(
      (image, i) => html`<li>
    ${thumbnail(image)}
    <div class="image-facts">
      <p>${i === 0 ? html`<strong>Main picture</strong> · ` : ''}<span class="image-status ${image.status}">${STATUS[image.status]}</span>${image.status === 'failed' && image.errorCode ? ` (${image.errorCode})` : ''}${image.width && image.height ? ` · ${image.width} × ${image.height}` : ''}</p>
      <p>${image.alt ? html`Alt text: ${image.alt}` : html`<span class="hint">No alt text</span>`}</p>
      <div class="actions">
        ${i > 0 && html`<form class="inline" action="/admin/products/${p.id}/images/${image.id}/first" method="post">${csrfField(v)}<button type="submit" class="button small">Show first<span class="visually-hidden">: image ${i + 1}</span></button></form>`}
        <form class="inline" action="/admin/products/${p.id}/images/${image.id}/delete" method="post" data-confirm="Delete this image?">${csrfField(v)}<button type="submit" class="button small danger">Delete<span class="visually-hidden"> image ${i + 1}</span></button></form>
      </div>
    </div>
  </li>`,
    )}</ol>`}
<form class="stack" action="/admin/products/${p.id}/images" method="post" enctype="multipart/form-data">
  ${csrfField(v)}
  <div class="field"><label for="image-alt">Alt text <span class="optional">(optional)</span></label>
    <p class="hint" id="image-alt-hint">What the picture shows, for people who cannot see it.</p>
    <input id="image-alt" name="alt" maxlength="300" aria-describedby="image-alt-hint"></div>
  <div class="field"><label for="image-file">Image file</label>
    <p class="hint" id="image-file-hint">JPEG, PNG, WebP, AVIF or GIF, at most ${megabytes(maxBytes)}.</p>
    <input id="image-file" name="file" type="file" accept="${IMAGE_TYPES}" required aria-describedby="image-file-hint"></div>
  <button type="submit" class="button primary">Upload image</button>
</form>
</section>`
}
