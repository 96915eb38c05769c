// One logical connection to /ws that survives network loss: reconnects with exponential back-off and jitter,
// detects dead sockets with ping/pong, and reports its state for the connection banner.

/** @typedef {'connecting'|'open'|'waiting'|'offline'|'stopped'} ConnectionState */

export class Connection extends EventTarget {
  #urlFactory;
  #options;
  #socket = null;
  #state = 'stopped';
  #attempt = 0;
  #everOpened = false;
  #retryAt = 0;
  #reconnectTimer = 0;
  #pingTimer = 0;
  #pongTimer = 0;

  /**
   * @param {() => string} urlFactory builds the WebSocket URL for each attempt.
   * Events: 'state' ({state, retryAt, attempt}), 'open' ({reconnect}), 'frame' (the parsed server frame).
   */
  constructor(urlFactory, options = {}) {
    super();
    this.#urlFactory = urlFactory;
    this.#options = { minDelay: 500, maxDelay: 15_000, pingInterval: 25_000, pongTimeout: 10_000, ...options };
    this.onOnline = () => this.retryNow();
    // The browser knows the network is gone long before a dead socket times out.
    this.onOffline = () => {
      if (this.#socket) this.#abandonSocket();
    };
    this.onVisible = () => {
      if (document.visibilityState === 'visible') this.retryNow();
    };
  }

  get state() {
    return this.#state;
  }

  get retryAt() {
    return this.#retryAt;
  }

  start() {
    if (this.#state !== 'stopped') return;
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.#connect();
  }

  stop() {
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    document.removeEventListener('visibilitychange', this.onVisible);
    this.#clearTimers();
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000, 'signed out');
    this.#setState('stopped');
  }

  /** Sends a frame now; returns false when not connected (the caller keeps it for later). */
  send(frame) {
    if (this.#state !== 'open' || this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  /** Skips the remaining back-off (the banner's "Retry now", the browser coming back online). */
  retryNow() {
    if (this.#state === 'waiting' || this.#state === 'offline') {
      this.#attempt = 0;
      this.#connect();
    }
  }

  #connect() {
    this.#clearTimers();
    this.#setState('connecting');
    let socket;
    try {
      socket = new WebSocket(this.#urlFactory());
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.addEventListener('open', () => {
      if (socket !== this.#socket) return;
      this.#setState('open');
      this.dispatchEvent(new CustomEvent('open', { detail: { reconnect: this.#everOpened } }));
      this.#everOpened = true;
      this.#schedulePing();
    });
    socket.addEventListener('message', (event) => {
      if (socket !== this.#socket) return;
      // Any frame proves the socket is alive and the server accepts us: reset the back-off.
      this.#attempt = 0;
      clearTimeout(this.#pongTimer);
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === 'string') this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
    });
    socket.addEventListener('close', () => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect() {
    this.#clearTimers();
    if (this.#state === 'stopped') return;
    if (!navigator.onLine) {
      this.#setState('offline');
      return;
    }
    const { minDelay, maxDelay } = this.#options;
    const base = Math.min(maxDelay, minDelay * 2 ** this.#attempt);
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.#attempt++;
    this.#retryAt = Date.now() + delay;
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
    this.#setState('waiting');
  }

  #schedulePing() {
    clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => {
      if (!this.send({ type: 'ping' })) return;
      clearTimeout(this.#pongTimer);
      this.#pongTimer = setTimeout(() => this.#abandonSocket(), this.#options.pongTimeout);
    }, this.#options.pingInterval);
  }

  // A socket that stopped answering may take minutes to report its close: drop it and reconnect now.
  #abandonSocket() {
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(4000, 'ping timeout');
    this.#scheduleReconnect();
  }

  #clearTimers() {
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
  }

  #setState(state) {
    this.#state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, retryAt: this.#retryAt, attempt: this.#attempt } }));
  }
}
