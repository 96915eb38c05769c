namespace Messaging.Stores.Cassandra;

/// <summary>
/// Conversations on CQL. A conversation row holds its members (a list in join order) and a membership version;
/// creating is <c>INSERT ... IF NOT EXISTS</c> (idempotent for a direct pair), and a membership change is one
/// lightweight transaction on the version (<c>UPDATE ... SET members = ?, version = v + 1 IF version = v</c>) decided
/// from the row read just before, so the member limit and the admin promotion hold atomically; a change that lost a
/// race reads again. Each user's conversations and departures are rows of a partition per user, written at the
/// version as their write time (<see cref="WriteTimestamps.OfMembership"/>), so the writes of a later change win over
/// those of an earlier one in whatever order they land; listings keep only conversations the user is a member of
/// (the user's partition may name more, for example after an addition that lost its race).
/// </summary>
internal sealed class CassandraConversationStore : IConversationStore
{
    // A membership change re-reads after losing a race; beyond this many lost races the conversation is too busy.
    private const int ChangeAttempts = 32;

    private readonly ConversationReader _reader;

    public CassandraConversationStore(CassandraStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _reader = new ConversationReader(context);
    }

    private CassandraStoreContext Context => _reader.Context;

    public async ValueTask<(Conversation Conversation, bool Created)> CreateAsync(Conversation conversation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var statements = Context.Statements;

        // The members' rows go first: a crash after the create leaves no member without the conversation in their list.
        await Task.WhenAll(conversation.Members.Select(m => Context.ExecuteAsync(statements.AddUserConversation(m.UserId, conversation.Id, 1), cancellationToken))).ConfigureAwait(false);
        var (applied, row, afterTimeout) = await Context.ExecuteConditionalAsync(statements.CreateConversation(conversation), cancellationToken).ConfigureAwait(false);
        if (applied)
        {
            return (conversation with { Members = [.. conversation.Members] }, true);
        }

        var existing = row.Has("kind") && row["kind"] is string
            ? StoredRows.ReadConversation(row)
            : (await _reader.GetAsync(conversation.Id, cancellationToken).ConfigureAwait(false))?.Conversation
              ?? throw new CassandraException(CassandraErrorKind.ProtocolError, $"Conversation {conversation.Id} exists and cannot be read.");

        // Run again after a timeout, the create finds the conversation its own first attempt wrote.
        return (existing, afterTimeout && SameConversation(existing, conversation));
    }

    public async ValueTask<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        return (await _reader.GetAsync(conversationId, cancellationToken).ConfigureAwait(false))?.Conversation;
    }

    public ValueTask<MembershipChange?> AddMemberAsync(string conversationId, ConversationMember member, int maxMembers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMembers);
        return ChangeAsync(conversationId, member.UserId, leftAtSeq: 0, c => MembershipRules.Add(c, member, maxMembers), cancellationToken);
    }

    public ValueTask<MembershipChange?> RemoveMemberAsync(string conversationId, string userId, long leftAtSeq, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leftAtSeq);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(leftAtSeq, WriteTimestamps.MaxDepartureSeq);
        return ChangeAsync(conversationId, userId, leftAtSeq, c => MembershipRules.Remove(c, userId), cancellationToken);
    }

    public async ValueTask AdvanceDepartureAsync(string conversationId, string userId, long leftAtSeq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(leftAtSeq);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(leftAtSeq, WriteTimestamps.MaxDepartureSeq);
        var statements = Context.Statements;
        var conversation = _reader.GetAsync(conversationId, cancellationToken);
        var departure = Context.ExecuteAsync(statements.GetDeparture(userId, conversationId), cancellationToken);
        if (await conversation.ConfigureAwait(false) is not { } found || found.Conversation.IsMember(userId)
            || (await departure.ConfigureAwait(false)).Rows is not [var row] || row["left_at_seq"] is not long recorded || recorded >= leftAtSeq)
        {
            return;
        }

        // Written at (version, seq): a higher seq of the same removal wins, and a later re-addition (a higher version)
        // wins over it, whatever order the two land in.
        await Context.ExecuteAsync(statements.AdvanceDeparture(userId, conversationId, found.Version, leftAtSeq), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ConversationActivity>> ListDepartedAsync(string userId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var rows = await _reader.ReadAllAsync(Context.Statements.ListDepartures(userId), cancellationToken).ConfigureAwait(false);
        var departures = rows
            .Where(r => r["conversation_id"] is string && r["left_at_seq"] is long && r["left_at"] is long)
            .ToDictionary(r => (string)r["conversation_id"]!, r => ((long)r["left_at_seq"]!, (long)r["left_at"]!), StringComparer.Ordinal);
        var activities = await _reader.GetManyAsync(departures.Select(d => (d.Key, (long?)d.Value.Item1)), cancellationToken).ConfigureAwait(false);
        var list = activities
            .Where(a => !a.Conversation.IsMember(userId))
            .Select(a => (departures[a.Conversation.Id].Item2, a))
            .ToList();
        return ConversationReader.MostRecent(list, limit);
    }

    // Reads the conversation, decides the change from it and applies it if the version is still the one read; the
    // user's rows are written at the new version. An addition writes the user's list row before the transaction (a
    // crash after it leaves no member unlisted; a row of an addition that did not happen is filtered when listing)
    // and forgets the departure after it; a removal drops the list row and records the departure after it.
    private async ValueTask<MembershipChange?> ChangeAsync(string conversationId, string userId, long leftAtSeq, Func<Conversation, (IReadOnlyList<ConversationMember>? Members, MembershipOutcome Outcome, string? PromotedUserId)> edit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        var statements = Context.Statements;
        for (var attempt = 1; ; attempt++)
        {
            if (await _reader.GetAsync(conversationId, cancellationToken).ConfigureAwait(false) is not var (conversation, version))
            {
                return null;
            }

            var (members, outcome, promoted) = edit(conversation);
            if (members is null)
            {
                return new MembershipChange(conversation, outcome, promoted);
            }

            var next = version + 1;
            var changed = conversation with { Members = members };
            var adding = changed.IsMember(userId);
            var activity = adding ? default : await _reader.GetActivityAsync(conversation, cancellationToken).ConfigureAwait(false);
            if (adding)
            {
                await Context.ExecuteAsync(statements.AddUserConversation(userId, conversationId, next), cancellationToken).ConfigureAwait(false);
            }

            var (applied, row, afterTimeout) = await Context.ExecuteConditionalAsync(statements.ChangeMembers(conversationId, members, version), cancellationToken).ConfigureAwait(false);
            if (!applied && afterTimeout && row["version"] is long now && now == next)
            {
                // The attempt that timed out may be the change that moved the version: it is when the members are ours.
                applied = await _reader.GetAsync(conversationId, cancellationToken).ConfigureAwait(false) is { } after
                    && after.Version == next && after.Conversation.Members.SequenceEqual(members);
            }

            if (applied)
            {
                if (adding)
                {
                    await Context.ExecuteAsync(statements.ForgetDeparture(userId, conversationId, next), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Task.WhenAll(
                        Context.ExecuteAsync(statements.RemoveUserConversation(userId, conversationId, next), cancellationToken),
                        Context.ExecuteAsync(statements.RecordDeparture(userId, conversationId, next, leftAtSeq, activity.LastActivity), cancellationToken)).ConfigureAwait(false);
                }

                return new MembershipChange(changed, outcome, promoted);
            }

            CassandraLog.MembershipRetry(Context.Logger, conversationId, version);
            if (attempt == ChangeAttempts)
            {
                throw new CassandraException(CassandraErrorKind.WriteTimeout, $"The membership of {conversationId} kept changing during {ChangeAttempts} attempts to change it.");
            }
        }
    }

    private static bool SameConversation(Conversation a, Conversation b)
        => (a.Id, a.Kind, a.Name, a.CreatedAt) == (b.Id, b.Kind, b.Name, b.CreatedAt) && a.Members.SequenceEqual(b.Members);
}
