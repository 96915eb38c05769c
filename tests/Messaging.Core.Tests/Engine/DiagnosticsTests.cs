using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

public sealed class DiagnosticsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sends_deliveries_and_duplicates_are_measured_on_the_Messaging_meter_and_a_local_delivery_publishes_nothing()
    {
        var measurements = new List<(string Instrument, double Value)>();
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IMeterFactory? factory = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Messaging" && factory is not null && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(instrument.Name, value));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Record(instrument.Name, value));

        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddMetrics());
        factory = harness.Services.GetRequiredService<IMeterFactory>();
        listener.Start();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bob) = await harness.ConnectAsync("bob");

        await alice.SendAsync(EventWaits.Text(conversation, "hi", "c-1"), Ct);
        await alice.SendAsync(EventWaits.Text(conversation, "hi", "c-1"), Ct);
        await bob.WaitForMessagesAsync(conversation, 1);

        lock (measurements)
        {
            Assert.Equal(1, measurements.Where(m => m.Instrument == "messaging.messages.sent").Sum(m => m.Value));
            Assert.Equal(1, measurements.Where(m => m.Instrument == "messaging.messages.duplicates").Sum(m => m.Value));
            Assert.Equal(2, measurements.Count(m => m.Instrument == "messaging.send.duration"));
            
            // Bob is connected to the sender's node: delivered directly, nothing goes to the backplane.
            Assert.DoesNotContain(measurements, m => m.Instrument == "messaging.fanout.publishes");
        }

        // Delivery to bob's connection is counted right after it is written.
        await delivered.Task.WaitAsync(EngineHarness.Timeout, Ct);

        void Record(string name, double value)
        {
            lock (measurements)
            {
                measurements.Add((name, value));
            }

            if (name == "messaging.messages.delivered")
            {
                delivered.TrySetResult();
            }
        }
    }

    [Fact]
    public async Task A_send_runs_inside_a_messaging_send_activity()
    {
        var conversationTag = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        string? conversation = null;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Messaging",
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (conversation is not null && activity.GetTagItem("messaging.conversation_id") as string == conversation)
                {
                    conversationTag.TrySetResult(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        // The listener sees every engine in the process: names unique to this test keep other tests' sends (and
        // their direct conversation ids) out of it.
        var sender = "alice-" + Guid.NewGuid().ToString("N");
        var recipient = "bob-" + Guid.NewGuid().ToString("N");
        await using var harness = await EngineHarness.StartAsync();
        conversation = await harness.CreateDirectAsync(sender, recipient);
        var (alice, _) = await harness.ConnectAsync(sender);

        await alice.SendAsync(EventWaits.Text(conversation, "traced"), Ct);

        var activity = await conversationTag.Task.WaitAsync(EngineHarness.Timeout, Ct);
        Assert.Equal("messaging.send", activity.OperationName);
        Assert.Equal(sender, activity.GetTagItem("messaging.sender_id"));
        Assert.Equal(1L, activity.GetTagItem("messaging.seq"));
    }
}
