namespace Messaging.Tests.Engine;

/// <summary>
/// The in-memory conversation store and index with every call passed through, for tests that change only how a
/// conversation is read (<see cref="GetAsync"/>).
/// </summary>
/// <param name="inner">The store every call goes to.</param>
internal abstract class ConversationReadDecorator(InMemoryConversationStore inner) : IConversationStore, IConversationIndex
{
    public virtual ValueTask<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken = default)
        => inner.GetAsync(conversationId, cancellationToken);

    public ValueTask<(Conversation Conversation, bool Created)> CreateAsync(Conversation conversation, CancellationToken cancellationToken = default)
        => inner.CreateAsync(conversation, cancellationToken);

    public ValueTask<MembershipChange?> AddMemberAsync(string conversationId, ConversationMember member, int maxMembers, CancellationToken cancellationToken = default)
        => inner.AddMemberAsync(conversationId, member, maxMembers, cancellationToken);

    public ValueTask<MembershipChange?> RemoveMemberAsync(string conversationId, string userId, long leftAtSeq, CancellationToken cancellationToken = default)
        => inner.RemoveMemberAsync(conversationId, userId, leftAtSeq, cancellationToken);

    public ValueTask AdvanceDepartureAsync(string conversationId, string userId, long leftAtSeq, CancellationToken cancellationToken = default)
        => inner.AdvanceDepartureAsync(conversationId, userId, leftAtSeq, cancellationToken);

    public ValueTask<IReadOnlyList<ConversationActivity>> ListDepartedAsync(string userId, int limit, CancellationToken cancellationToken = default)
        => inner.ListDepartedAsync(userId, limit, cancellationToken);

    public ValueTask TouchAsync(string conversationId, long seq, DateTimeOffset timestamp, CancellationToken cancellationToken = default)
        => inner.TouchAsync(conversationId, seq, timestamp, cancellationToken);

    public ValueTask<IReadOnlyList<ConversationActivity>> ListForUserAsync(string userId, int limit, CancellationToken cancellationToken = default)
        => inner.ListForUserAsync(userId, limit, cancellationToken);
}
