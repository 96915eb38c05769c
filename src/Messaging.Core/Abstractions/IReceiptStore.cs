namespace Messaging;

/// <summary>
/// Delivered/read watermarks per (conversation, user, device). Guarantee: marks never move backwards, advancing read
/// also advances delivered, and concurrent advances keep the maximum; a user's aggregate is the maximum over the user's
/// devices. An advance is a monotonic write: no atomic read-modify-write across devices or members is required, and
/// the engine derives group statuses from the marks it reads after writing (see <see cref="AdvanceAsync"/>).
/// </summary>
/// <remarks>
/// A device's delivered mark is its catch-up cursor, moved only by that device's acks. The engine also keeps marks
/// on the reserved pseudo-device <see cref="ReservedDeviceIds.Sender"/> of each user: sending a message advances the
/// sender's own read mark there (the user's unread count), so it counts in the user's aggregate but never makes a real
/// device skip messages it has not received. Stores treat it like any other device id.
/// </remarks>
public interface IReceiptStore
{
    /// <summary>Advances a device's marks to at least the given values.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="userId">The member.</param>
    /// <param name="deviceId">The member's device.</param>
    /// <param name="deliveredUpTo">Delivered mark wanted (ignored when lower than the stored one).</param>
    /// <param name="readUpTo">Read mark wanted (ignored when lower); it also raises delivered.</param>
    /// <param name="at">The time recorded for marks that move.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// The user's aggregate marks (max over the user's devices) as read before this write took effect. The read need
    /// not be atomic with the write: concurrent advances of one user may all return the same earlier marks.
    /// </returns>
    ValueTask<Watermark> AdvanceAsync(string conversationId, string userId, string deviceId, long deliveredUpTo, long readUpTo, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>One device's marks.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="userId">The member.</param>
    /// <param name="deviceId">The device.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The device's marks, <see cref="Watermark.None"/> when none.</returns>
    ValueTask<Watermark> GetDeviceAsync(string conversationId, string userId, string deviceId, CancellationToken cancellationToken = default);

    /// <summary>A user's aggregate marks (the maximum over the user's devices).</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="userId">The member.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The user's marks, <see cref="Watermark.None"/> when none.</returns>
    ValueTask<Watermark> GetUserAsync(string conversationId, string userId, CancellationToken cancellationToken = default);

    /// <summary>One device's marks in many conversations, in one batch (the catch-up of a connecting device).</summary>
    /// <param name="userId">The member.</param>
    /// <param name="deviceId">The device.</param>
    /// <param name="conversationIds">The conversations.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One mark per conversation, in the same order (<see cref="Watermark.None"/> when none).</returns>
    ValueTask<IReadOnlyList<Watermark>> GetDeviceManyAsync(string userId, string deviceId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default);

    /// <summary>A user's aggregate marks in many conversations, in one batch (a page of the conversation list).</summary>
    /// <param name="userId">The member.</param>
    /// <param name="conversationIds">The conversations.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One mark per conversation, in the same order (<see cref="Watermark.None"/> when none).</returns>
    ValueTask<IReadOnlyList<Watermark>> GetUserManyAsync(string userId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default);

    /// <summary>Some members' aggregate marks in one conversation, in one batch (a large group's quick check).</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="userIds">The members.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One mark per member, in the same order (<see cref="Watermark.None"/> when none).</returns>
    ValueTask<IReadOnlyList<Watermark>> GetMembersAsync(string conversationId, IReadOnlyList<string> userIds, CancellationToken cancellationToken = default);

    /// <summary>Every user's aggregate marks in a conversation (users without marks are omitted).</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The marks per user.</returns>
    ValueTask<IReadOnlyList<MemberWatermark>> GetAllAsync(string conversationId, CancellationToken cancellationToken = default);
}
