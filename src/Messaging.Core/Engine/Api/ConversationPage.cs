namespace Messaging;

/// <summary>One page of a user's conversation list (most recent activity first, ties by id).</summary>
/// <param name="Conversations">The conversations of this page.</param>
/// <param name="NextCursor">
/// An opaque cursor for the page after this one, or <see langword="null"/> when this page is the last.
/// </param>
public sealed record ConversationPage(IReadOnlyList<ConversationView> Conversations, string? NextCursor);
