namespace Messaging;

/// <summary>How a conversation's messages reach its members' nodes.</summary>
public enum FanoutMode
{
    /// <summary>One publish per member to the member's user channel (small conversations).</summary>
    WritePath,

    /// <summary>One publish to the conversation channel; nodes with members subscribed deliver (large groups).</summary>
    ReadPath,
}

/// <summary>Chooses write-path or read-path fan-out per conversation. Must be a pure function of the conversation.</summary>
public interface IFanoutPolicy
{
    /// <summary>Chooses the fan-out mode.</summary>
    /// <param name="conversation">The conversation.</param>
    /// <returns>The mode.</returns>
    FanoutMode Choose(Conversation conversation);
}

/// <summary>A message for a member with no live connection.</summary>
/// <param name="RecipientId">The member to notify.</param>
/// <param name="Message">The message.</param>
public sealed record PushNotification(string RecipientId, Message Message);

/// <summary>Notifies members with no live connection (the host plugs FCM/APNs in here). Failures are logged, never retried by the engine.</summary>
public interface IPushNotifier
{
    /// <summary>
    /// Whether a notification would reach anyone right now. When <see langword="false"/> the engine skips finding out
    /// which members are offline (a directory look-up per message). Asked per message, so it may change at run time.
    /// </summary>
    bool IsEnabled => true;

    /// <summary>Sends a push notification.</summary>
    /// <param name="notification">The notification.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when handed off.</returns>
    ValueTask NotifyAsync(PushNotification notification, CancellationToken cancellationToken = default);
}

/// <summary>Decides who counts as a contact for <see cref="PresenceVisibility.Contacts"/>.</summary>
public interface IContactPolicy
{
    /// <summary>Whether <paramref name="viewerId"/> is a contact of <paramref name="subjectId"/>.</summary>
    /// <param name="subjectId">The user whose presence is viewed.</param>
    /// <param name="viewerId">The user looking.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when the viewer is a contact.</returns>
    ValueTask<bool> IsContactAsync(string subjectId, string viewerId, CancellationToken cancellationToken = default);
}

/// <summary>Generates server message ids.</summary>
public interface IMessageIdGenerator
{
    /// <summary>A new unique, time-sortable id.</summary>
    /// <returns>The id.</returns>
    string NewMessageId();
}
