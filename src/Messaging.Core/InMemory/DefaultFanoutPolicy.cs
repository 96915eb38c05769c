namespace Messaging;

/// <summary>
/// The default <see cref="IFanoutPolicy"/>: write-path fan-out (one publish per member) for conversations of at most
/// <see cref="WritePathMaxMembers"/> members, read-path fan-out (one publish to the conversation) above.
/// </summary>
/// <remarks>A pure function of the member count, so every node chooses alike. Thread-safe.</remarks>
public sealed class DefaultFanoutPolicy : IFanoutPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="writePathMaxMembers">The largest member count that still uses the write path (at least 1).</param>
    public DefaultFanoutPolicy(int writePathMaxMembers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(writePathMaxMembers);
        WritePathMaxMembers = writePathMaxMembers;
    }

    /// <summary>The largest member count that still uses the write path.</summary>
    public int WritePathMaxMembers { get; }

    /// <inheritdoc />
    public FanoutMode Choose(Conversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        return conversation.Members.Count <= WritePathMaxMembers ? FanoutMode.WritePath : FanoutMode.ReadPath;
    }
}
