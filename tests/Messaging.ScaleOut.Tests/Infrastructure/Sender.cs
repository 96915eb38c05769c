using Messaging.Client;

namespace Messaging.ScaleOut.Tests.Infrastructure;

/// <summary>
/// Keeps sending numbered messages into one conversation while a fault is injected, recording what the server
/// acknowledged as sent. <see cref="Acknowledged"/> completes a task after a given count, so a fault can be injected
/// mid-stream without guessing at timing.
/// </summary>
internal sealed class Sender(ChatUser user, string conversationId)
{
    private readonly List<SentMessage> _sent = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _milestones = [];

    /// <summary>The messages acknowledged as sent, in the order they were acknowledged.</summary>
    public IReadOnlyList<SentMessage> Sent
    {
        get
        {
            lock (_milestones)
            {
                return [.. _sent];
            }
        }
    }

    /// <summary>How many sends failed (not acknowledged; the message may or may not have been stored).</summary>
    public int Failed { get; private set; }

    /// <summary>A task that completes once <paramref name="count"/> messages were acknowledged.</summary>
    public Task Acknowledged(int count)
    {
        lock (_milestones)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_sent.Count >= count)
            {
                signal.SetResult();
            }
            else
            {
                _milestones.Add((count, signal));
            }

            return signal.Task.WaitAsync(ChatUser.Timeout, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Sends <paramref name="count"/> messages, one after the other.</summary>
    public async Task RunAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            try
            {
                var sent = await user.Client.SendAsync(conversationId, $"message {i}", cancellationToken: TestContext.Current.CancellationToken)
                    .WaitAsync(ChatUser.Timeout, TestContext.Current.CancellationToken);
                lock (_milestones)
                {
                    _sent.Add(sent);
                    _milestones.RemoveAll(m => _sent.Count >= m.Count && m.Signal.TrySetResult());
                }
            }
            catch (MessagingClientException)
            {
                Failed++;
            }
        }
    }
}
