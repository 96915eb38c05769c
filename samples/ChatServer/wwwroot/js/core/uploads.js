// Media uploads with the tus 1.0 resumable protocol (POST creation, PATCH at Upload-Offset, HEAD to resume) and
// authenticated downloads. A dropped connection or a 409 resumes from the offset the server reports.

const CHUNK_BYTES = 1024 * 1024;
const MAX_ATTEMPTS = 6;
const TUS = { 'Tus-Resumable': '1.0.0' };

function base64(text) {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

async function failure(response) {
  const payload = await response.json().catch(() => null);
  return new Error(payload?.error?.message ?? `Upload failed (${response.status}).`);
}

/**
 * Uploads a file; `onProgress(sent, total)` follows every acknowledged chunk.
 * @returns {Promise<{mediaId: string, media: {content_type: string, size: number, file_name: string}}>}
 */
export async function uploadFile(token, file, onProgress) {
  const auth = { Authorization: `Bearer ${token}` };
  const contentType = file.type || 'application/octet-stream';
  const created = await fetch('/media/uploads', {
    method: 'POST',
    headers: {
      ...auth, ...TUS,
      'Upload-Length': String(file.size),
      'Upload-Metadata': `filename ${base64(file.name)},filetype ${base64(contentType)}`,
    },
  });
  if (created.status !== 201) throw await failure(created);
  const location = created.headers.get('Location');
  const mediaId = new URL(location, window.location.href).pathname.split('/').pop();

  let offset = 0;
  let attempts = 0;
  onProgress(0, file.size);
  while (offset < file.size) {
    try {
      const response = await fetch(location, {
        method: 'PATCH',
        headers: { ...auth, ...TUS, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
        body: file.slice(offset, offset + CHUNK_BYTES),
      });
      if (response.status === 204) {
        offset = Number(response.headers.get('Upload-Offset'));
        attempts = 0;
        onProgress(offset, file.size);
        continue;
      }
      if (response.status !== 409) throw Object.assign(await failure(response), { final: true });
    } catch (error) {
      if (error.final || ++attempts >= MAX_ATTEMPTS) throw error;
    }
    // Lost connection or offset conflict: wait a little, ask where the upload stands, and go on from there.
    await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempts));
    const head = await fetch(location, { method: 'HEAD', headers: { ...auth, ...TUS }, cache: 'no-store' }).catch(() => null);
    if (head?.ok) offset = Number(head.headers.get('Upload-Offset'));
  }
  return { mediaId, media: { content_type: contentType, size: file.size, file_name: file.name } };
}

const objectUrls = new Map();

/** An object URL of downloaded media (fetched once per page with the bearer token). */
export function mediaUrl(token, mediaId) {
  let url = objectUrls.get(mediaId);
  if (!url) {
    url = fetch(`/media/${encodeURIComponent(mediaId)}`, { headers: { Authorization: `Bearer ${token}` } })
      .then(async (response) => {
        if (!response.ok) throw new Error(`Download failed (${response.status}).`);
        return URL.createObjectURL(await response.blob());
      });
    url.catch(() => objectUrls.delete(mediaId));
    objectUrls.set(mediaId, url);
  }
  return url;
}

/** Whether the browser may show the media inline (the server sends other types as attachments). */
export function isPreviewable(media) {
  return /^image\/(png|jpeg|gif|webp)$/.test(media?.content_type ?? '');
}
