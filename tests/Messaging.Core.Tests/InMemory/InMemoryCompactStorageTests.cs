using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Messaging.Tests.InMemory;

// The in-memory stores keep messages as bytes and keys as digests, so the garbage collector has nothing per message
// to copy or scan; what they hand back must be exactly what was stored.
public sealed class InMemoryCompactStorageTests
{
    private static readonly DateTimeOffset Time = new(2024, 1, 15, 10, 30, 0, 123, TimeSpan.Zero);

    [Fact]
    public void A_message_log_reads_back_every_field_exactly_for_generated_messages()
    {
        // Any string, lone surrogates included: strings are kept as UTF-16 code units.
        var text = ArbMap.Default.GeneratorFor<string>().Where(s => s is not null);
        var optional = Gen.OneOf(Gen.Constant<string?>(null), text.Select(s => (string?)s));
        var media = Gen.OneOf(
            Gen.Constant<MediaAttachment?>(null),
            from type in text from length in Gen.Choose(0, int.MaxValue) from name in text select (MediaAttachment?)new MediaAttachment(type, length * 3L, name));
        var messages = from id in text
                       from sender in text
                       from client in text
                       from content in text
                       from mediaId in optional
                       from attachment in media
                       from ticks in Gen.Choose(0, int.MaxValue)
                       from offset in Gen.Choose(-14 * 60, 14 * 60)
                       from kind in Gen.Elements(Enum.GetValues<MessageKind>())
                       select new Message
                       {
                           ConversationId = "c1",
                           Seq = 1,
                           MessageId = id,
                           SenderId = sender,
                           ClientMsgId = client,
                           Content = content,
                           MediaId = mediaId,
                           Media = attachment,
                           Timestamp = new DateTimeOffset(Time.Ticks + ticks, TimeSpan.FromMinutes(offset)),
                           Kind = kind,
                       };

        Prop.ForAll(Gen.ListOf(messages).ToArbitrary(), batch =>
        {
            var log = new MessageLog("c1");
            var stored = batch.Select((message, i) => message with { Seq = i + 1 }).ToList();
            foreach (var message in stored)
            {
                log.Add(message);
            }

            Assert.Equal(stored, Enumerable.Range(0, log.Count).Select(log.At));
            Assert.All(stored, message => Assert.Equal(message.Timestamp.Offset, log.Get(message.Seq)!.Timestamp.Offset));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_message_log_keeps_messages_larger_than_a_chunk_and_across_many_chunks_in_seq_order()
    {
        var log = new MessageLog("c1");
        var sizes = new[] { 10, MessageLog.MaxChunkBytes, 3, 70_000, MessageLog.MaxChunkBytes * 2, 5 };
        var stored = new List<Message>();

        // Appended out of seq order, as the composite path may append.
        for (var round = 0; round < 200; round++)
        {
            var seq = round % 2 == 0 ? round + 2 : round;
            var message = Text(seq, new string((char)('a' + (round % 26)), sizes[round % sizes.Length]));
            log.Add(message);
            stored.Add(message);
        }

        Assert.Equal(stored.OrderBy(m => m.Seq), Enumerable.Range(0, log.Count).Select(log.At));
        Assert.Equal(stored.Max(m => m.Seq), log.LastSeq);
    }

    [Fact]
    public void Removing_the_oldest_messages_moves_the_history_start_and_keeps_the_rest_readable()
    {
        var log = new MessageLog("c1");
        for (var seq = 1; seq <= 3_000; seq++)
        {
            log.Add(Text(seq, new string('x', seq % 300)));
            if (log.Count > 100)
            {
                log.RemoveOldest();
            }
        }

        Assert.Equal(2_901, log.HistoryStart);
        Assert.Null(log.Get(2_900));
        Assert.Equal(Enumerable.Range(2_901, 100).Select(seq => Text(seq, new string('x', seq % 300))), Enumerable.Range(0, log.Count).Select(log.At));
    }

    [Fact]
    public void Digests_tell_apart_keys_whose_strings_only_split_differently_and_are_stable()
    {
        Assert.NotEqual(KeyDigest.Of("ab", "c", "d"), KeyDigest.Of("a", "bc", "d"));
        Assert.NotEqual(KeyDigest.Of("c1", "alice", ""), KeyDigest.Of("c1", "alice", "\0"));
        Assert.NotEqual(KeyDigest.Of("abcd"), KeyDigest.Of("abce"));
        Assert.Equal(KeyDigest.Of("c1", "alice", "m-1"), KeyDigest.Of(new DeduplicationKey("c1", "alice", "m-1")));
    }

    [Fact]
    public void Digests_of_a_hundred_thousand_similar_ids_are_all_different()
    {
        var digests = new HashSet<KeyDigest>();
        for (var i = 0; i < 100_000; i++)
        {
            Assert.True(digests.Add(KeyDigest.Of($"0190f6b2-7c1e-7a00-8000-{i:D12}")), $"Collision at {i}.");
        }
    }

    [Fact]
    public async Task The_id_index_names_the_conversation_of_each_id_over_many_conversations()
    {
        var index = new InMemoryMessageIdIndex();
        for (var i = 0; i < 1_000; i++)
        {
            await index.AddAsync($"m{i}", new MessageLocation($"conversation-{i % 100}", i + 1), TestContext.Current.CancellationToken);
        }

        for (var i = 0; i < 1_000; i++)
        {
            Assert.Equal(new MessageLocation($"conversation-{i % 100}", i + 1), await index.FindAsync($"m{i}", TestContext.Current.CancellationToken));
        }

        Assert.Null(await index.FindAsync("m1000", TestContext.Current.CancellationToken));
    }

    private static Message Text(long seq, string content) => new()
    {
        ConversationId = "c1",
        Seq = seq,
        MessageId = $"m{seq}",
        SenderId = "alice",
        ClientMsgId = $"k{seq}",
        Content = content,
        Timestamp = Time.AddSeconds(seq),
    };
}
