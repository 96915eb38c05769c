using FsCheck.Fluent;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IReceiptStore"/>: per-device marks only move forward, read implies delivered, concurrent
/// advances keep the maximum, a user's aggregate is the maximum over the user's devices (an advance returns the marks
/// an earlier advance left), and batch reads answer what single reads answer. Inherit and supply
/// <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>Capabilities read: <see cref="AdapterCapabilities.SurvivesRestart"/>.</remarks>
public abstract class ReceiptStoreConformanceTests : ConformanceSuite
{
    private static readonly DateTimeOffset Epoch = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    /// <summary>Creates a receipt store. With <see cref="AdapterCapabilities.SurvivesRestart"/>, instances share their data.</summary>
    /// <returns>The store under test.</returns>
    protected abstract ValueTask<IReceiptStore> CreateAsync();

    /// <summary>Nothing stored reads as <see cref="Watermark.None"/> and is omitted from the conversation's list.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Unknown_marks_read_as_none()
    {
        var store = await NewStoreAsync();
        var conversation = NewId("conv");

        Assert.Equal(Watermark.None, await store.GetDeviceAsync(conversation, "alice", "phone", Token));
        Assert.Equal(Watermark.None, await store.GetUserAsync(conversation, "alice", Token));
        Assert.Empty(await store.GetAllAsync(conversation, Token));
    }

    /// <summary>Advancing read raises delivered too, and the times of moved marks are recorded.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Read_implies_delivered_and_moved_marks_record_their_time()
    {
        var store = await NewStoreAsync();
        var conversation = NewId("conv");

        var before = await store.AdvanceAsync(conversation, "alice", "phone", 0, 5, Epoch, Token);

        Assert.Equal(Watermark.None, before);
        Assert.Equal(new Watermark(5, 5, Epoch, Epoch), await store.GetDeviceAsync(conversation, "alice", "phone", Token));
        Assert.Equal(new Watermark(5, 5, Epoch, Epoch), await store.GetUserAsync(conversation, "alice", Token));

        Assert.Equal(new Watermark(5, 5, Epoch, Epoch), await store.AdvanceAsync(conversation, "alice", "phone", 7, 3, Epoch.AddMinutes(1), Token));
        Assert.Equal(new Watermark(7, 5, Epoch.AddMinutes(1), Epoch), await store.GetDeviceAsync(conversation, "alice", "phone", Token));
    }

    /// <summary>
    /// Law: advances of several devices in any order leave each device at its maxima (delivered at least read), the user
    /// at the maximum over devices, and each advance that follows another returns the user's marks that one left.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Watermarks_keep_the_maximum_under_any_order_of_advances()
    {
        var store = await NewStoreAsync();
        var advance = from device in Gen.Elements("phone", "laptop", "tablet")
                      from delivered in Gen.Choose(0, 40)
                      from read in Gen.Choose(0, 40)
                      select (device, delivered: (long)delivered, read: (long)read);

        await Laws.CheckAsync(advance.ListOf(), async advances =>
        {
            var conversation = NewId("conv");
            var user = NewId("user");
            var devices = new Dictionary<string, (long Delivered, long Read)>();
            var previous = Watermark.None;
            var at = Epoch;
            foreach (var (device, delivered, read) in advances)
            {
                at = at.AddSeconds(1);
                var before = await store.AdvanceAsync(conversation, user, device, delivered, read, at, Token);
                var after = await store.GetUserAsync(conversation, user, Token);
                var old = devices.GetValueOrDefault(device);
                var newRead = Math.Max(old.Read, read);
                devices[device] = (Math.Max(Math.Max(old.Delivered, delivered), newRead), newRead);

                Assert.Equal((previous.DeliveredUpTo, previous.ReadUpTo), (before.DeliveredUpTo, before.ReadUpTo));
                Assert.Equal((devices.Values.Max(d => d.Delivered), devices.Values.Max(d => d.Read)), (after.DeliveredUpTo, after.ReadUpTo));
                Assert.True(after.ReadUpTo <= after.DeliveredUpTo, "read must imply delivered");
                previous = after;
            }

            foreach (var (device, mark) in devices)
            {
                var stored = await store.GetDeviceAsync(conversation, user, device, Token);
                Assert.Equal(mark, (stored.DeliveredUpTo, stored.ReadUpTo));
            }

            var aggregate = await store.GetUserAsync(conversation, user, Token);
            Assert.Equal((previous.DeliveredUpTo, previous.ReadUpTo), (aggregate.DeliveredUpTo, aggregate.ReadUpTo));
        }, maxTest: 60);
    }

    /// <summary>Law: concurrent advances of one device keep the maximum.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_advances_keep_the_maximum()
    {
        var store = await NewStoreAsync();
        var marks = Gen.Choose(0, 1000).Select(v => (long)v).ListOf().Where(l => l.Count > 0);

        await Laws.CheckAsync(marks, async values =>
        {
            var conversation = NewId("conv");
            await Task.WhenAll(values.Select((v, i) => Task.Run(() =>
                store.AdvanceAsync(conversation, "alice", "phone", v, i % 2 == 0 ? v / 2 : 0, Epoch, Token).AsTask())));

            var stored = await store.GetDeviceAsync(conversation, "alice", "phone", Token);
            Assert.Equal(values.Max(), stored.DeliveredUpTo);
            Assert.Equal(values.Where((_, i) => i % 2 == 0).Select(v => v / 2).Max(), stored.ReadUpTo);
        }, maxTest: 30);
    }

    /// <summary>
    /// Law: the batch reads (a device's or a user's marks in many conversations, some members' marks in one) answer, in
    /// the order asked and for conversations and members without marks too, what one read each answers.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Batch_reads_answer_what_single_reads_answer_in_the_order_asked()
    {
        var store = await NewStoreAsync();
        var advance = from conversation in Gen.Choose(0, 5)
                      from device in Gen.Elements("phone", "laptop")
                      from delivered in Gen.Choose(0, 20)
                      from read in Gen.Choose(0, 20)
                      select (conversation, device, delivered: (long)delivered, read: (long)read);
        var shape = from advances in advance.ListOf()
                    from asked in Gen.Choose(0, 7).ListOf()
                    select (advances, asked);

        await Laws.CheckAsync(shape, async s =>
        {
            var ids = Enumerable.Range(0, 8).Select(i => NewId($"conv{i}")).ToArray();
            var user = NewId("user");
            var other = NewId("other");
            foreach (var (conversation, device, delivered, read) in s.advances)
            {
                await store.AdvanceAsync(ids[conversation], user, device, delivered, read, Epoch, Token);
                await store.AdvanceAsync(ids[7 - conversation], other, device, read, 0, Epoch, Token);
            }

            var asked = s.asked.Select(i => ids[i]).ToArray();
            var devices = await store.GetDeviceManyAsync(user, "phone", asked, Token);
            var users = await store.GetUserManyAsync(user, asked, Token);
            Assert.Equal(asked.Length, devices.Count);
            Assert.Equal(asked.Length, users.Count);
            for (var i = 0; i < asked.Length; i++)
            {
                Assert.Equal(await store.GetDeviceAsync(asked[i], user, "phone", Token), devices[i]);
                Assert.Equal(await store.GetUserAsync(asked[i], user, Token), users[i]);
                var members = await store.GetMembersAsync(asked[i], [other, NewId("nobody"), user, other], Token);
                Assert.Equal(
                    [await store.GetUserAsync(asked[i], other, Token), Watermark.None, users[i], await store.GetUserAsync(asked[i], other, Token)],
                    members);
            }
        }, maxTest: 40);
    }

    /// <summary>The conversation's list holds each user's aggregate.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task All_marks_of_a_conversation_are_the_users_aggregates()
    {
        var store = await NewStoreAsync();
        var conversation = NewId("conv");
        await store.AdvanceAsync(conversation, "alice", "phone", 3, 1, Epoch, Token);
        await store.AdvanceAsync(conversation, "alice", "laptop", 2, 2, Epoch, Token);
        await store.AdvanceAsync(conversation, "bob", "phone", 4, 0, Epoch, Token);

        var all = (await store.GetAllAsync(conversation, Token)).ToDictionary(m => m.UserId, m => (m.Mark.DeliveredUpTo, m.Mark.ReadUpTo));

        Assert.Equal(new Dictionary<string, (long, long)> { ["alice"] = (3, 2), ["bob"] = (4, 0) }, all);
    }

    /// <summary>Marks survive a restart of the store.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Marks_survive_a_restart()
    {
        Require(Capabilities.SurvivesRestart, nameof(AdapterCapabilities.SurvivesRestart), "receipt marks are durable across a restart.");
        var conversation = NewId("conv");
        var first = await CreateAsync();
        await first.AdvanceAsync(conversation, "alice", "phone", 4, 2, Epoch, Token);
        await DisposeAdapterAsync(first);

        var second = await NewStoreAsync();
        var mark = await second.GetDeviceAsync(conversation, "alice", "phone", Token);
        Assert.Equal((4L, 2L), (mark.DeliveredUpTo, mark.ReadUpTo));
    }

    private async Task<IReceiptStore> NewStoreAsync() => Track(await CreateAsync());
}
