namespace Messaging;

/// <summary>A message and, for every other member of its conversation, when it was delivered and read ("message info").</summary>
/// <param name="Message">The message.</param>
/// <param name="Receipts">One entry per other current member, ordered by user id.</param>
public sealed record MessageReceipts(Message Message, IReadOnlyList<MessageReceipt> Receipts);
