namespace Messaging.Protocol.Tests;

/// <summary>Structural comparison of frames (records compare their collections by reference).</summary>
internal static class FrameAssert
{
    public static void Equivalent(ClientFrame expected, ClientFrame? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected)
        {
            case AckMessagesFrame ack:
                var actualAck = (AckMessagesFrame)actual;
                Assert.Equal(ack.MessageIds, actualAck.MessageIds);
                Assert.Equal(ack.Status, actualAck.Status);
                break;
            case SyncFrame sync:
                AssertCursors(sync.Cursors, ((SyncFrame)actual).Cursors);
                break;
            case PresenceSubscribeFrame subscribe:
                Assert.Equal(subscribe.UserIds, ((PresenceSubscribeFrame)actual).UserIds);
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    public static void Equivalent(ServerFrame expected, ServerFrame? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.GetType(), actual.GetType());
        if (expected is SyncCompleteFrame complete)
        {
            AssertCursors(complete.Cursors, ((SyncCompleteFrame)actual).Cursors);
        }
        else
        {
            Assert.Equal(expected, actual);
        }
    }

    private static void AssertCursors(IReadOnlyDictionary<string, long>? expected, IReadOnlyDictionary<string, long>? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
    }
}
