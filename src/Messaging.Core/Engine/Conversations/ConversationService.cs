namespace Messaging;

/// <summary>
/// Conversations (DESIGN §3, §6 REST): create direct (idempotent, deterministic id) and group conversations, change
/// group membership (admins; members may leave), and list or get them as the caller sees them. Membership changes are
/// announced to the nodes with a <see cref="MembershipEnvelope"/> and to the members with a sequenced system message,
/// exactly once per change that took effect (the store decides, atomically with the member limit). When the last admin
/// leaves, the store promotes the member who joined first and the removal's system message says so.
/// </summary>
internal sealed class ConversationService(EngineContext context, IConversationStore conversations, IConversationIndex conversationIndex, IMessageStore messages, IMessageIdGenerator ids, ConversationAccess access, ConversationViews views, SendPipeline sending, ReadPathInterest localInterest, NodePublisher publisher, EventLogWriter eventLog)
{
    private const string MemberNotFoundMessage = "Member not found.";

    /// <summary>Creates (or returns) the direct conversation of two users.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="otherUserId">The other user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation and whether this call created it.</returns>
    public async ValueTask<ConversationCreation> CreateDirectAsync(string userId, string otherUserId, CancellationToken cancellationToken)
    {
        Validation.RequireUserId(otherUserId, "user_id");
        if (string.Equals(userId, otherUserId, StringComparison.Ordinal))
        {
            throw Validation.BadRequest("A direct conversation needs another user.");
        }

        var now = context.Now;
        var draft = new Conversation
        {
            Id = ConversationIds.Direct(userId, otherUserId),
            Kind = ConversationKind.Direct,
            Members = [new ConversationMember(userId, MemberRole.Member, now), new ConversationMember(otherUserId, MemberRole.Member, now)],
            CreatedAt = now,
        };
        var (conversation, created) = await conversations.CreateAsync(draft, cancellationToken).ConfigureAwait(false);
        if (!conversation.IsMember(userId))
        {
            // Cannot happen for a derived id unless the store holds a foreign conversation under it; never reveal it.
            throw new MessagingNotFoundException(ConversationAccess.NotFoundMessage);
        }

        if (created)
        {
            await AnnounceAsync(conversation, userId, joined: true).ConfigureAwait(false);
        }

        return new ConversationCreation(await views.BuildAsync(conversation, userId, cancellationToken).ConfigureAwait(false), created);
    }

    /// <summary>Creates a group; the creator is its admin.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="name">The group name.</param>
    /// <param name="memberIds">The other members (duplicates and the creator are ignored).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new group.</returns>
    public async ValueTask<ConversationView> CreateGroupAsync(string userId, string name, IReadOnlyCollection<string> memberIds, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > EngineLimits.MaxGroupNameLength)
        {
            throw Validation.BadRequest($"A group name must be 1..{EngineLimits.MaxGroupNameLength} non-blank characters.");
        }

        var others = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { userId };
        foreach (var memberId in memberIds ?? [])
        {
            if (seen.Add(Validation.RequireUserId(memberId, "Every member id")))
            {
                others.Add(memberId);
            }
        }

        if (others.Count + 1 > context.Options.MaxGroupMembers)
        {
            throw Validation.BadRequest($"A group may have at most {context.Options.MaxGroupMembers} members.");
        }

        var now = context.Now;
        var draft = new Conversation
        {
            Id = "g_" + ids.NewMessageId(),
            Kind = ConversationKind.Group,
            Name = name,
            Members = [new ConversationMember(userId, MemberRole.Admin, now), .. others.Select(id => new ConversationMember(id, MemberRole.Member, now))],
            CreatedAt = now,
        };
        var (conversation, _) = await conversations.CreateAsync(draft, cancellationToken).ConfigureAwait(false);
        await AnnounceAsync(conversation, userId, joined: true).ConfigureAwait(false);
        return await views.BuildAsync(conversation, userId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A conversation as a member sees it.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The view.</returns>
    public async ValueTask<ConversationView> GetAsync(string userId, string conversationId, CancellationToken cancellationToken)
    {
        var conversation = await access.RequireMemberAsync(conversationId, userId, cancellationToken).ConfigureAwait(false);
        return await views.BuildAsync(conversation, userId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A page of the caller's conversations, most recent activity first (ties by id), starting after
    /// <paramref name="cursor"/>: paging a list that does not change meanwhile lists each conversation exactly once.
    /// </summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="limit">How many at most (1..1,000).</param>
    /// <param name="cursor">The <see cref="ConversationPage.NextCursor"/> of the previous page, or <see langword="null"/> for the first.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The page.</returns>
    public async ValueTask<ConversationPage> ListAsync(string userId, int limit, string? cursor, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > EngineLimits.MaxConversationList)
        {
            throw Validation.BadRequest($"limit must be between 1 and {EngineLimits.MaxConversationList}.");
        }

        ConversationListCursor? after = cursor is null ? null : ConversationListCursor.Parse(cursor);

        // The store lists from the top; read a window that reaches past the cursor by one more than the page (to know
        // whether another page follows), growing it while the cursor lies deeper.
        var window = limit + 1;
        IReadOnlyList<ConversationActivity> activities;
        int start;
        while (true)
        {
            activities = await conversationIndex.ListForUserAsync(userId, window, cancellationToken).ConfigureAwait(false);
            start = after is { } position ? FirstAfter(activities, position) : 0;
            if (activities.Count - start > limit || activities.Count < window || window >= EngineLimits.MaxConversationsPerUser)
            {
                break;
            }

            window = (int)Math.Min((long)window * 4, EngineLimits.MaxConversationsPerUser);
        }

        var end = Math.Min(activities.Count, start + limit);
        var page = new List<ConversationActivity>(end - start);
        for (var i = start; i < end; i++)
        {
            if (activities[i].Conversation.IsMember(userId))
            {
                page.Add(activities[i]);
            }
        }

        var result = await views.BuildManyAsync(page, userId, cancellationToken).ConfigureAwait(false);

        var next = activities.Count > end ? ConversationListCursor.After(activities[end - 1]).ToString() : null;
        return new ConversationPage(result, next);
    }

    /// <summary>Adds a member to a group (admins only); a no-op for a current member.</summary>
    /// <param name="actorId">The authenticated caller.</param>
    /// <param name="conversationId">The group.</param>
    /// <param name="userId">The user to add.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The group as the caller sees it.</returns>
    public async ValueTask<ConversationView> AddMemberAsync(string actorId, string conversationId, string userId, CancellationToken cancellationToken)
    {
        var conversation = await RequireGroupAsync(actorId, conversationId, cancellationToken).ConfigureAwait(false);
        Validation.RequireUserId(userId, "user_id");
        if (conversation.FindMember(actorId)!.Role != MemberRole.Admin)
        {
            throw new MessagingForbiddenException("Only group admins may add members.");
        }

        if (!conversation.IsMember(userId))
        {
            // The store decides against the limit and against concurrent changes in one step; only the call whose
            // addition took effect announces it. The change is the commit point: no cancellation from here on.
            var member = new ConversationMember(userId, MemberRole.Member, context.Now);
            var change = await conversations.AddMemberAsync(conversation.Id, member, context.Options.MaxGroupMembers, CancellationToken.None).ConfigureAwait(false)
                ?? throw new MessagingNotFoundException(ConversationAccess.NotFoundMessage);
            if (change.Outcome == MembershipOutcome.Full)
            {
                throw Validation.BadRequest($"A group may have at most {context.Options.MaxGroupMembers} members.");
            }

            conversation = change.Conversation;
            if (change.Changed)
            {
                await AnnounceAsync(conversation, userId, joined: true).ConfigureAwait(false);
                await sending.AppendSystemMessageAsync(conversation, actorId, $"{actorId} added {userId}", userId, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return await views.BuildAsync(conversation, actorId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a member from a group (admins; any member may remove themself).</summary>
    /// <param name="actorId">The authenticated caller.</param>
    /// <param name="conversationId">The group.</param>
    /// <param name="userId">The member to remove.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The group as the caller sees it (after leaving: the members as they were just before).</returns>
    public async ValueTask<ConversationView> RemoveMemberAsync(string actorId, string conversationId, string userId, CancellationToken cancellationToken)
    {
        var conversation = await RequireGroupAsync(actorId, conversationId, cancellationToken).ConfigureAwait(false);
        var self = string.Equals(actorId, userId, StringComparison.Ordinal);
        if (!self)
        {
            // The caller's own id comes from the host's authentication, whatever its form; another user's is checked.
            Validation.RequireUserId(userId, "user_id");
        }

        if (!self && conversation.FindMember(actorId)!.Role != MemberRole.Admin)
        {
            throw new MessagingForbiddenException("Only group admins may remove other members.");
        }

        if (!conversation.IsMember(userId))
        {
            throw new MessagingNotFoundException(MemberNotFoundMessage);
        }

        // The removal takes effect first, so that of concurrent removals exactly one writes the system message. The
        // departure is recorded at the last seq the store has now and moved to the system message's seq once written.
        var lastSeq = await messages.GetLastSeqAsync(conversation.Id, cancellationToken).ConfigureAwait(false);
        var change = await conversations.RemoveMemberAsync(conversation.Id, userId, lastSeq, CancellationToken.None).ConfigureAwait(false)
            ?? throw new MessagingNotFoundException(ConversationAccess.NotFoundMessage);
        if (!change.Changed)
        {
            // A concurrent removal won: the same answer as removing a member who is gone.
            throw new MessagingNotFoundException(MemberNotFoundMessage);
        }

        var text = self ? $"{actorId} left" : $"{actorId} removed {userId}";
        if (change.PromotedUserId is { } promoted)
        {
            text += $"; {promoted} is now an admin";
        }

        // Sent to the remaining members and to the removed one (its own channel): its seq is the last the removed
        // member receives (live, or by catch-up on devices that are offline now).
        var removal = await sending.AppendSystemMessageAsync(change.Conversation, actorId, text, userId, CancellationToken.None).ConfigureAwait(false);
        await conversations.AdvanceDepartureAsync(conversation.Id, userId, removal.Seq, CancellationToken.None).ConfigureAwait(false);
        await AnnounceAsync(change.Conversation, userId, joined: false).ConfigureAwait(false);
        return await views.BuildAsync(self ? conversation : change.Conversation, actorId, cancellationToken).ConfigureAwait(false);
    }

    // The index of the first activity after the cursor's position (the list is sorted in the cursor's order).
    private static int FirstAfter(IReadOnlyList<ConversationActivity> activities, ConversationListCursor position)
    {
        var index = 0;
        while (index < activities.Count && !position.Precedes(activities[index]))
        {
            index++;
        }

        return index;
    }

    private async ValueTask<Conversation> RequireGroupAsync(string actorId, string conversationId, CancellationToken cancellationToken)
    {
        var conversation = await access.RequireMemberAsync(conversationId, actorId, cancellationToken).ConfigureAwait(false);
        if (conversation.Kind != ConversationKind.Group)
        {
            throw Validation.BadRequest("The members of a direct conversation cannot change.");
        }

        return conversation;
    }

    // One envelope to every node holding a member (or the affected user): each receiving node re-evaluates what it
    // follows for all of its local members of the conversation, so one announcement covers a whole new group.
    // This node re-evaluates at once, so its own members see the very next message.
    private async ValueTask AnnounceAsync(Conversation conversation, string userId, bool joined)
    {
        eventLog.Membership(conversation, userId, joined);
        try
        {
            var audience = Audience.Of(Audiences.Members(conversation, except: null, extra: userId));
            await publisher.PublishAsync(audience, new MembershipEnvelope(conversation.Id, userId, joined), CancellationToken.None).ConfigureAwait(false);
            await localInterest.RefreshAsync(conversation.Id, userId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.MembershipPublishFailed(conversation.Id, userId, exception);
        }
    }
}
