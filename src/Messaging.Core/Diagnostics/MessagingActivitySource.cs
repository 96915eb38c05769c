using System.Diagnostics;

namespace Messaging;

/// <summary>The engine's one <see cref="ActivitySource"/>, named like the meter (<c>Messaging</c>).</summary>
internal static class MessagingActivitySource
{
    /// <summary>The source; listeners subscribe by the name <see cref="MessagingMetrics.MeterName"/>.</summary>
    public static readonly ActivitySource Instance = new(MessagingMetrics.MeterName);

    /// <summary>Starts the activity of one send, or returns <see langword="null"/> when nobody listens.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="senderId">The sender.</param>
    /// <returns>The activity to dispose when the send ends.</returns>
    public static Activity? StartSend(string conversationId, string senderId)
    {
        if (!Instance.HasListeners())
        {
            return null;
        }

        var activity = Instance.StartActivity("messaging.send", ActivityKind.Internal);
        if (activity is not null)
        {
            activity.SetTag("messaging.conversation_id", conversationId);
            activity.SetTag("messaging.sender_id", senderId);
        }

        return activity;
    }
}
