namespace Messaging;

/// <summary>
/// Which page of a conversation's history to read. <see cref="Before"/> reads newest first below a seq,
/// <see cref="After"/> reads ascending above a seq, neither reads the newest messages newest first; giving both is
/// invalid.
/// </summary>
/// <param name="Before">Exclusive upper seq bound (at least 1), or <see langword="null"/>.</param>
/// <param name="After">Exclusive lower seq bound (at least 0), or <see langword="null"/>.</param>
/// <param name="Limit">How many messages at most, 1..100.</param>
public readonly record struct MessagePage(long? Before, long? After, int Limit);
