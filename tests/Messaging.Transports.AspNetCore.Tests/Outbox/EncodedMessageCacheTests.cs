using System.Text;
using Messaging.Protocol;

namespace Messaging.Transports.AspNetCore.Tests.Outbox;

public sealed class EncodedMessageCacheTests
{
    [Fact]
    public void A_message_is_only_remembered_on_first_use_and_encoded_once_from_the_second_on()
    {
        var cache = new EncodedMessageCache();
        var message = NewMessage(1, "hello");

        Assert.Null(cache.TryGet(message));
        var second = cache.TryGet(message);
        var third = cache.TryGet(message);

        Assert.Equal(Expected(message), Encoding.UTF8.GetString(second!));
        Assert.Same(second, third);
    }

    [Fact]
    public void A_value_equal_copy_is_another_message()
    {
        var cache = new EncodedMessageCache();
        var message = NewMessage(1, "hello");
        cache.TryGet(message);
        cache.TryGet(message);

        var copy = message with { };

        Assert.Equal(message, copy);
        Assert.Null(cache.TryGet(copy));
    }

    [Fact]
    public void A_frame_over_the_size_limit_is_encoded_but_not_kept()
    {
        var cache = new EncodedMessageCache();
        var message = NewMessage(1, new string('x', EncodedMessageCache.MaxCachedFrameBytes));

        Assert.Null(cache.TryGet(message));
        var second = cache.TryGet(message);
        var third = cache.TryGet(message);

        Assert.Equal(Expected(message), Encoding.UTF8.GetString(second!));
        Assert.Equal(second, third);
        Assert.NotSame(second, third);
    }

    [Fact]
    public async Task Concurrent_use_with_colliding_slots_only_ever_returns_the_messages_own_frame()
    {
        var cache = new EncodedMessageCache();
        var messages = Enumerable.Range(0, EncodedMessageCache.SlotCount * 3).Select(i => NewMessage(i, $"content {i}")).ToArray();
        var expected = messages.Select(m => Encoding.UTF8.GetBytes(Expected(m))).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 50_000; i++)
            {
                var index = random.Next(messages.Length);
                if (cache.TryGet(messages[index]) is { } frame)
                {
                    Assert.Equal(expected[index], frame);
                }
            }
        }, TestContext.Current.CancellationToken)));
    }

    internal static Message NewMessage(long seq, string content) => new()
    {
        ConversationId = "c1",
        Seq = seq,
        MessageId = $"m{seq}",
        SenderId = "alice",
        ClientMsgId = $"client-{seq}",
        Content = content,
        Timestamp = new DateTimeOffset(2026, 1, 15, 10, 30, 0, TimeSpan.Zero).AddSeconds(seq),
    };

    internal static string Expected(Message message) => Encoding.UTF8.GetString(ProtocolWriter.ToUtf8Bytes(new MessageFrame(WireMapping.ToData(message))));
}
