// The REST endpoints of DESIGN §6, authenticated with the bearer token.

/** A failed REST call: HTTP status plus the server's error code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export class Api {
  /** @param {string} token the bearer token; @param {() => void} onUnauthorized called on any 401. */
  constructor(token, onUnauthorized) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  async request(method, path, body) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network', 'The server cannot be reached.');
    }
    if (response.status === 401) this.onUnauthorized?.();
    const payload = await response.json().catch(() => null);
    if (!response.ok) {
      const error = payload?.error;
      throw new ApiError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? response.statusText);
    }
    return payload;
  }

  async listConversations() {
    return (await this.request('GET', '/conversations'))?.conversations ?? [];
  }

  getConversation(id) {
    return this.request('GET', `/conversations/${encodeURIComponent(id)}`);
  }

  createDirect(userId) {
    return this.request('POST', '/conversations', { type: 'direct', user_id: userId });
  }

  createGroup(name, members) {
    return this.request('POST', '/conversations', { type: 'group', name, members });
  }

  /** Newest first with `before` or neither; ascending with `after`. */
  async getMessages(id, { before, after, limit = 50 } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before != null) query.set('before', String(before));
    if (after != null) query.set('after', String(after));
    return (await this.request('GET', `/conversations/${encodeURIComponent(id)}/messages?${query}`))?.messages ?? [];
  }

  getReceipts(messageId) {
    return this.request('GET', `/messages/${encodeURIComponent(messageId)}/receipts`);
  }
}
