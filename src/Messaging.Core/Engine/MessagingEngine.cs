namespace Messaging;

/// <summary>
/// The messaging engine of one gateway node: send, delivery, catch-up, receipts, presence and typing on top of the
/// registered roles (stores, sequencer, backplane, directory, policies). Registered by
/// <c>services.AddMessaging()</c> as a singleton and started and stopped by the hosted service it registers (or by
/// <see cref="StartAsync"/> / <see cref="StopAsync"/> when there is no host).
/// </summary>
/// <remarks>
/// Every <c>userId</c> parameter is the authenticated caller, never a value from a client frame. Failures the client
/// should see are <see cref="MessagingException"/>s whose <see cref="MessagingException.Kind"/> maps to the wire error
/// code; a conversation that does not exist and one the caller is not a member of fail identically
/// (<see cref="MessagingNotFoundException"/>). Thread-safe.
/// </remarks>
public sealed class MessagingEngine : IAsyncDisposable
{
    private readonly EngineContext _context;
    private readonly ConnectionManager _connections;
    private readonly NodeFollows _follows;
    private readonly NodeInbox _inbox;
    private readonly RouteSettling _settling;
    private readonly ConversationService _conversations;
    private readonly MessageHistory _history;
    private readonly ReceiptQuery _receiptQuery;
    private readonly StatusNotifier _statuses;
    private readonly PeriodicLoop _presenceSweep;
    private readonly PeriodicLoop _nodeRefresh;
    private readonly TransportRecovery _recovery;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private bool _running;
    private bool _disposed;

    // The composition root: the only place that sees every role. Each part gets the roles it uses; parts are built
    // in the one direction data flows (routing, then the parts that publish through it, then the ones that use those),
    // so no part needs one built after it and nothing calls back into a part that called it (docs/architecture.md,
    // "Engine parts").
    internal MessagingEngine(EngineContext context, EngineRoles roles)
    {
        _context = context;
        var access = new ConversationAccess(roles.Conversations);
        var privacy = new PresencePrivacy(roles.Presence, roles.Contacts);
        var local = new LocalConnections();
        var locks = new UserLocks();
        // Routing first, in one direction: what the node follows, then delivery to local connections, then the
        // publisher every part that sends uses (local recipients directly, other nodes through the backplane).
        _follows = new NodeFollows(context, roles.Directory);
        _settling = new RouteSettling(context);
        var interest = new ReadPathInterest(roles.Conversations, roles.Fanout, _follows, local, locks, _settling);
        Watchers = new PresenceWatchers(_follows);
        var recent = new RecentMessages();
        var router = new EnvelopeRouter(context, local, interest, Watchers, recent);
        _inbox = new NodeInbox(context, roles.Transport, router);
        var routes = new RouteCache(context, roles.Directory);
        var publisher = new NodePublisher(context, roles.Directory, routes, router, new NodeOutbox(roles.Transport));

        Presence = new PresenceService(context, roles.Presence, roles.Directory, privacy, publisher);
        var statusNotifier = new StatusNotifier(context, roles.Messages, recent, roles.Receipts, publisher);
        _statuses = statusNotifier;
        EventLog = new EventLogWriter(context, roles.EventLog, roles.Messages);
        Receipts = new ReceiptFlow(roles.Messages, recent, roles.MessageIds, roles.Conversations, roles.Receipts, access, statusNotifier, context.Time, EventLog);
        // A store's atomic step stands in for the de-duplication store and id index, and its bookkeeping for the
        // post-commit writes, only when it writes the data those registered roles read.
        var atomic = roles.Messages is IAtomicSequencingStore step && step.SequencesFor(roles.Deduplication, roles.MessageIds) ? step : null;
        var bookkeeping = atomic is IAtomicBookkeepingStore books && books.KeepsBooksFor(roles.Receipts, roles.ConversationIndex) ? books : null;
        var committer = new MessageCommitter(context, roles.Messages, atomic, bookkeeping, roles.Sequencer, roles.Deduplication, roles.MessageIds, roles.Ids, new SequenceFence(roles.Messages, roles.Sequencer));
        var fanout = new MessageFanout(context, roles.Fanout, roles.Push, publisher, routes, local);
        var contacts = new ContactRecorder(context, roles.ContactStore, Presence);
        Sending = new SendPipeline(context, roles.ConversationIndex, roles.Media, roles.Ids, access, committer, recent, fanout, Receipts, contacts, EventLog);
        Typing = new TypingService(context, roles.Fanout, access, publisher);
        var statusReader = new StatusReader(roles.Messages, roles.Receipts, context.Options.CatchUpBatchSize, context.Time);
        var reads = new DeliveryReads(roles.Messages, roles.Conversations, roles.ConversationIndex, roles.Receipts, recent);
        var pipelines = new ConnectionPipelineFactory(context, roles.Presence, privacy, reads, statusReader);
        _connections = new ConnectionManager(context, roles.ConversationIndex, roles.Directory, pipelines, local, interest, Watchers, Presence, locks, _settling);
        _conversations = new ConversationService(context, roles.Conversations, roles.ConversationIndex, roles.Messages, roles.Ids, access, new ConversationViews(roles.Messages, roles.Receipts), Sending, interest, publisher, EventLog);
        _history = new MessageHistory(roles.Messages, access);
        _receiptQuery = new ReceiptQuery(roles.Messages, roles.MessageIds, roles.Conversations, roles.Receipts);
        _recovery = new TransportRecovery(context, roles.Transport, roles.Directory, local, _follows, _settling);
        _recovery.Attach();
        _presenceSweep = new PeriodicLoop("presence sweep", context.Options.PresenceSweepInterval, context.Time, context.Logger, Presence.SweepAsync);
        _nodeRefresh = new PeriodicLoop("node refresh", context.Options.HeartbeatInterval, context.Time, context.Logger, _connections.RefreshAsync);
    }

    /// <summary>The id of this node on the backplane (<see cref="MessagingOptions.NodeId"/>, or generated).</summary>
    public string NodeId => _context.NodeId;

    internal SendPipeline Sending { get; }

    internal ReceiptFlow Receipts { get; }

    internal EventLogWriter EventLog { get; }

    internal TypingService Typing { get; }

    internal PresenceService Presence { get; }

    internal PresenceWatchers Watchers { get; }

    /// <summary>
    /// Opens this node's backplane inbox and starts the background loops: the presence sweep and the refresh of this
    /// node's directory entries and leases.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when started.</returns>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running)
            {
                return;
            }

            await _inbox.OpenAsync(cancellationToken).ConfigureAwait(false);
            _presenceSweep.Start();
            _nodeRefresh.Start();
            _running = true;
            _context.Logger.EngineStarted(NodeId);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops the background loops and aborts and detaches every live connection of this node.</summary>
    /// <param name="cancellationToken">Cancels the wait for the lifecycle lock.</param>
    /// <returns>A task that completes when stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _presenceSweep.StopAsync().ConfigureAwait(false);
            await _nodeRefresh.StopAsync().ConfigureAwait(false);
            await _connections.DisconnectAllAsync("server shutting down").ConfigureAwait(false);

            // Statuses held for busy conversations go out before the node stops publishing.
            await _statuses.FlushHeldAsync().ConfigureAwait(false);
            await EventLog.StopAsync(cancellationToken).ConfigureAwait(false);
            _settling.CancelAll();
            await _follows.ReleaseAllAsync().ConfigureAwait(false);
            await _inbox.CloseAsync().ConfigureAwait(false);
            if (_running)
            {
                _running = false;
                _context.Logger.EngineStopped(NodeId);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Attaches a live client connection: registers it, marks the device online, follows its read-path conversations, then
    /// runs catch-up from the device's stored delivered marks (<see cref="MessageEvent"/>s in seq order per
    /// conversation, then one <see cref="SyncCompleteEvent"/>) and continues with live delivery without gaps or
    /// duplicates. Dispose the session when the connection closes.
    /// </summary>
    /// <param name="userId">The authenticated user.</param>
    /// <param name="deviceId">The client's device id (it owns the delivery cursors).</param>
    /// <param name="connection">The gateway's sink for the connection's events.</param>
    /// <param name="cancellationToken">Cancels the set-up.</param>
    /// <returns>The session of the connection.</returns>
    public async ValueTask<MessagingSession> ConnectAsync(string userId, string deviceId, IClientConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(connection.ConnectionId, nameof(connection));
        Validation.RequireDeviceId(deviceId);
        ObjectDisposedException.ThrowIf(_disposed, this);

        // Without a host nobody may have started the engine: the inbox must be open before anyone can send here.
        await _inbox.OpenAsync(cancellationToken).ConfigureAwait(false);
        var pipeline = await _connections.ConnectAsync(userId, deviceId, connection, cancellationToken).ConfigureAwait(false);
        return new MessagingSession(this, pipeline);
    }

    /// <summary>Creates the direct conversation of the caller and another user, or returns the existing one.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="otherUserId">The other user (not the caller).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation and whether this call created it.</returns>
    public ValueTask<ConversationCreation> CreateDirectConversationAsync(string userId, string otherUserId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _conversations.CreateDirectAsync(userId, otherUserId, cancellationToken);
    }

    /// <summary>Creates a group whose admin is the caller.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="name">The group name (required, at most 256 characters).</param>
    /// <param name="memberIds">The other members (duplicates ignored; at most <see cref="MessagingOptions.MaxGroupMembers"/> with the caller).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new group.</returns>
    public ValueTask<ConversationView> CreateGroupAsync(string userId, string name, IReadOnlyCollection<string> memberIds, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _conversations.CreateGroupAsync(userId, name, memberIds, cancellationToken);
    }

    /// <summary>A conversation as the caller sees it.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The view.</returns>
    public ValueTask<ConversationView> GetConversationAsync(string userId, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _conversations.GetAsync(userId, conversationId, cancellationToken);
    }

    /// <summary>The caller's conversations, most recent activity first, with unread counts.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="limit">How many at most (1..1,000).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The views.</returns>
    public async ValueTask<IReadOnlyList<ConversationView>> ListConversationsAsync(string userId, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return (await _conversations.ListAsync(userId, limit, cursor: null, cancellationToken).ConfigureAwait(false)).Conversations;
    }

    /// <summary>
    /// A page of the caller's conversations, most recent activity first (ties by id), with unread counts; pass the
    /// page's <see cref="ConversationPage.NextCursor"/> to get the next one. Paging a list that does not change meanwhile
    /// lists each conversation exactly once; a conversation whose activity moves while paging may appear again or be
    /// missed, as in any list ordered by activity.
    /// </summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="limit">How many at most (1..1,000).</param>
    /// <param name="cursor">The previous page's <see cref="ConversationPage.NextCursor"/>, or <see langword="null"/> for the first page; anything else fails with <c>bad_request</c>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The page.</returns>
    public ValueTask<ConversationPage> ListConversationPageAsync(string userId, int limit, string? cursor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _conversations.ListAsync(userId, limit, cursor, cancellationToken);
    }

    /// <summary>
    /// Adds a member to a group (admins only, else <see cref="MessagingForbiddenException"/>; a full group fails with
    /// <c>bad_request</c>). Of concurrent additions of one user exactly one writes the system message.
    /// </summary>
    /// <param name="actorId">The authenticated caller.</param>
    /// <param name="conversationId">The group.</param>
    /// <param name="userId">The user to add.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The group as the caller sees it.</returns>
    public ValueTask<ConversationView> AddMemberAsync(string actorId, string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(actorId);
        return _conversations.AddMemberAsync(actorId, conversationId, userId, cancellationToken);
    }

    /// <summary>
    /// Removes a member from a group (admins, or a member removing themself); a user who is not (or no longer) a member
    /// fails with <see cref="MessagingNotFoundException"/>, so of concurrent removals exactly one succeeds and writes the
    /// system message. When the last admin leaves, the member who joined first becomes admin and the message says so.
    /// </summary>
    /// <param name="actorId">The authenticated caller.</param>
    /// <param name="conversationId">The group.</param>
    /// <param name="userId">The member to remove.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The group as the caller sees it.</returns>
    public ValueTask<ConversationView> RemoveMemberAsync(string actorId, string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(actorId);
        return _conversations.RemoveMemberAsync(actorId, conversationId, userId, cancellationToken);
    }

    /// <summary>A page of a conversation's history (tombstones are never returned).</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="page">Which page; invalid pages fail with <c>bad_request</c>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The messages.</returns>
    public ValueTask<IReadOnlyList<Message>> GetMessagesAsync(string userId, string conversationId, MessagePage page, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _history.GetAsync(userId, conversationId, page, cancellationToken);
    }

    /// <summary>Per-member delivered/read times of a message the caller sent; anyone else gets <see cref="MessagingNotFoundException"/>.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="messageId">The message.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The message and its receipts.</returns>
    public ValueTask<MessageReceipts> GetReceiptsAsync(string userId, string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _receiptQuery.GetAsync(userId, messageId, cancellationToken);
    }

    /// <summary>A user's presence as the viewer may see it (privacy applied).</summary>
    /// <param name="viewerId">The authenticated caller.</param>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The visible presence.</returns>
    public ValueTask<PresenceInfo> GetPresenceAsync(string viewerId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(viewerId);
        Validation.RequireUserId(userId, "user_id");
        return Presence.GetAsync(viewerId, userId, cancellationToken);
    }

    /// <summary>Sets who may see the caller's presence and last seen; watchers see the change at once.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="visibility">The visibility.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when stored.</returns>
    public ValueTask SetPresenceVisibilityAsync(string userId, PresenceVisibility visibility, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return Presence.SetVisibilityAsync(userId, visibility, cancellationToken);
    }

    /// <summary>Keeps a device online for another <see cref="MessagingOptions.PresenceTtl"/> (REST heartbeat).</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="deviceId">The device.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when recorded.</returns>
    public ValueTask HeartbeatAsync(string userId, string deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        Validation.RequireDeviceId(deviceId);
        return Presence.TouchAsync(userId, deviceId, cancellationToken);
    }

    /// <summary>Stops the engine (see <see cref="StopAsync"/>) and releases its instruments.</summary>
    /// <returns>A task that completes when disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _recovery.Detach();
        _disposed = true;
        _context.Metrics.Dispose();
    }

    internal ValueTask DisconnectAsync(ConnectionPipeline pipeline) => _connections.DisconnectAsync(pipeline);
}
