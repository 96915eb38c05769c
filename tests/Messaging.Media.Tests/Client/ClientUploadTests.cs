using System.Net;
using Messaging.Client;
using Messaging.Protocol;

namespace Messaging.Media.Tests.Client;

/// <summary><see cref="MessagingClient"/> uploads: chunks with progress, automatic resume, media messages end to end.</summary>
public sealed class ClientUploadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Upload_resumes_after_a_failed_chunk_and_reports_progress_up_to_the_length()
    {
        await using var media = await MediaServer.StartAsync();
        using var flaky = new FailSecondPatchHandler { InnerHandler = new SocketsHttpHandler() };
        await using var alice = NewClient(media, "alice", flaky);
        var data = Files.Png((9 * 1024 * 1024) + 7);
        var reported = new List<long>();

        var uploaded = await alice.UploadMediaAsync(new MemoryStream(data), "scan.png", "image/png", new SynchronousProgress(reported.Add), Ct);

        Assert.Equal(1, flaky.Failures);
        Assert.Equal(data.Length, uploaded.Length);
        Assert.Equal(data.Length, reported[^1]);
        Assert.Equal(reported.Order(), reported);
        using var download = await media.Client("alice").DownloadAsync(uploaded.MediaId);
        Assert.Equal(Files.Sha256(data), Files.Sha256(await download.Content.ReadAsByteArrayAsync(Ct)));
    }

    [Fact]
    public async Task Refused_upload_fails_with_the_server_status_and_code()
    {
        await using var media = await MediaServer.StartAsync(o => o.MaxUploadBytes = 100);
        await using var alice = NewClient(media, "alice");

        var error = await Assert.ThrowsAsync<MessagingClientException>(() => alice.UploadMediaAsync(new MemoryStream(Files.Png(101)), "big.png", "image/png", cancellationToken: Ct));

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, ErrorCodes.TooLarge), (error.StatusCode, error.Code));
    }

    [Fact]
    public async Task Media_message_sent_by_the_client_reaches_the_other_client_with_its_description()
    {
        await using var media = await MediaServer.StartAsync();
        await using var alice = NewClient(media, "alice");
        await using var bob = NewClient(media, "bob");
        await alice.ConnectAsync(Ct);
        await bob.ConnectAsync(Ct);
        var conversation = await alice.CreateDirectConversationAsync("bob", Ct);
        var data = "minutes of the meeting\n"u8.ToArray();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));

        // Subscribe before sending: a reader sees only the events published after it registered.
        var bobEvents = bob.ReadEventsAsync(timeout.Token);
        var sent = await alice.SendMediaAsync(conversation.ConversationId, new MemoryStream(data), "minutes.txt", "text/plain", "notes", cancellationToken: Ct);
        MessageData? received = null;
        await foreach (var e in bobEvents)
        {
            if (e is MessageReceivedEvent { Message.MediaId: not null } m)
            {
                received = m.Message;
                break;
            }
        }

        Assert.NotNull(received);
        Assert.Equal(sent.MessageId, received.MessageId);
        Assert.Equal(new MediaData("text/plain", data.Length, "minutes.txt"), received.Media);
        Assert.Equal("notes", received.Content);
    }

    private static MessagingClient NewClient(MediaServer media, string userId, HttpMessageHandler? handler = null) => new(new MessagingClientOptions
    {
        ServerUri = media.Server.BaseUri,
        AccessTokenProvider = _ => ValueTask.FromResult(userId),
        HttpMessageHandler = handler,
    });

    // Throws on the second PATCH before sending it, like a connection lost between two chunks.
    private sealed class FailSecondPatchHandler : DelegatingHandler
    {
        private int _patches;

        public int Failures { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Patch && Interlocked.Increment(ref _patches) == 2)
            {
                Failures++;
                throw new HttpRequestException("The connection was reset.");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
