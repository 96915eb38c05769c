using System.Collections.Concurrent;
using System.Globalization;
using Messaging.Client;
using Messaging.Protocol;

namespace ChatClient;

/// <summary>The interactive chat: commands, sending to the open chat, and notices for incoming events.</summary>
internal sealed class ChatApp
{
    private const string Help = """
        commands:
          /chats                  your conversations with unread counts
          /open <user>            open the direct chat with a user
          /group <name> <user..>  create a group and open it
          /history [n]            the last n messages of the open chat (default 20)
          /read                   mark the open chat as read
          /who <user>             a user's presence
          /quit                   leave
          anything else           is sent to the open chat
        """;

    private readonly MessagingClient _client;
    private readonly Terminal _terminal;
    private readonly string _me;

    // Names of conversations for display, and what the user sent, to show receipt markers against.
    private readonly ConversationNames _names;
    private readonly ConcurrentDictionary<string, string> _sentContent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _lastSeq = new(StringComparer.Ordinal);
    private volatile string? _open;

    public ChatApp(MessagingClient client, Terminal terminal, string me)
    {
        _client = client;
        _terminal = terminal;
        _me = me;
        _names = new ConversationNames(client, me);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var conversation in await _client.ListConversationsAsync(cancellationToken))
        {
            _names.Remember(conversation);
        }

        // Registered before connecting, so that catch-up shows too. One loop prints the events in order; it may wait
        // for the name of a conversation it has not seen, which only delays the printing, never the client.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var printing = PrintEventsAsync(_client.ReadEventsAsync(stop.Token), stop.Token);
        try
        {
            await _client.ConnectAsync(cancellationToken);
            await ReadCommandsAsync(cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await printing;
        }
    }

    /// <summary>The line to print for an event, or <see langword="null"/> for one that shows nothing.</summary>
    internal async ValueTask<string?> DescribeAsync(MessagingClientEvent clientEvent) => clientEvent switch
    {
        MessageReceivedEvent e => await DescribeMessageAsync(e.Message),
        MessageStatusChangedEvent e => DescribeStatus(e),
        TypingChangedEvent { IsTyping: true } e => $"· {e.UserId} is typing…{(e.ConversationId == _open ? "" : $" in {await _names.GetAsync(e.ConversationId)}")}",
        PresenceChangedEvent e => PresenceText(e.UserId, e.Status, e.LastSeen),
        ConnectionStateChangedEvent e => $"· {e.State.ToString().ToLowerInvariant()}{(e.Error is null ? "" : $": {e.Error.Message}")}",
        ServerErrorEvent e => $"! {e.Code}: {e.Message}",
        _ => null,
    };

    private async Task PrintEventsAsync(IAsyncEnumerable<MessagingClientEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var clientEvent in events.WithCancellation(cancellationToken))
            {
                if (await DescribeAsync(clientEvent) is { } text)
                {
                    _terminal.Print(text);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The app is closing.
        }
    }

    private async Task ReadCommandsAsync(CancellationToken cancellationToken)
    {
        _terminal.Print($"signed in as {_me} on device {_client.DeviceId}. /help for commands.");
        while (await _terminal.ReadLineAsync(OnKeyAsync, cancellationToken) is { } line)
        {
            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line == "/quit")
            {
                return;
            }

            if (!line.StartsWith('/'))
            {
                // Not awaited: the user keeps typing while the message waits for the server (or the connection).
                _ = SendAsync(line, cancellationToken);
                continue;
            }

            try
            {
                await RunCommandAsync(line, cancellationToken);
            }
            catch (MessagingClientException ex)
            {
                _terminal.Print($"! {ex.Code}: {ex.Message}");
            }
        }
    }

    private Task OnKeyAsync() => _open is { } open ? _client.NotifyTypingAsync(open).AsTask() : Task.CompletedTask;

    private async Task RunCommandAsync(string line, CancellationToken cancellationToken)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (words[0])
        {
            case "/chats":
                foreach (var conversation in await _client.ListConversationsAsync(cancellationToken))
                {
                    var name = _names.Remember(conversation);
                    var unread = conversation.UnreadCount > 0 ? $" ({conversation.UnreadCount} unread)" : "";
                    var last = conversation.LastMessage is { } m ? $": {m.SenderId}: {m.Content}" : "";
                    _terminal.Print($"  {name}{unread}{last}");
                }

                break;
            case "/open" when words.Length == 2:
                if (!RequireUserIds(words[1..]))
                {
                    break;
                }

                Open(await _client.CreateDirectConversationAsync(words[1], cancellationToken));
                await _client.SubscribePresenceAsync([words[1]], cancellationToken);
                break;
            case "/group" when words.Length >= 3:
                if (!RequireUserIds(words[2..]))
                {
                    break;
                }

                Open(await _client.CreateGroupAsync(words[1], words[2..], cancellationToken));
                break;
            case "/history":
                await ShowHistoryAsync(words.Length > 1 && int.TryParse(words[1], CultureInfo.InvariantCulture, out var n) ? Math.Clamp(n, 1, 100) : 20, cancellationToken);
                break;
            case "/read":
                if (RequireOpen() is { } open && _lastSeq.TryGetValue(open, out var seq))
                {
                    await _client.MarkReadAsync(open, seq, cancellationToken);
                    _terminal.Print($"· marked read up to #{seq}");
                }

                break;
            case "/who" when words.Length == 2:
                if (!RequireUserIds(words[1..]))
                {
                    break;
                }

                var presence = await _client.GetPresenceAsync(words[1], cancellationToken);
                _terminal.Print(PresenceText(presence.UserId, presence.Status, presence.LastSeen));
                break;
            default:
                _terminal.Print(Help);
                break;
        }
    }

    private async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        if (RequireOpen() is not { } open)
        {
            return;
        }

        try
        {
            var sent = await _client.SendAsync(open, text, cancellationToken: cancellationToken);
            _sentContent[sent.MessageId] = text;
            _terminal.Print($"  ✓ #{sent.Seq} {text}");
        }
        catch (MessagingClientException ex)
        {
            _terminal.Print($"! not sent ({ex.Code}): {text}");
        }
        catch (OperationCanceledException)
        {
            _terminal.Print($"! not sent (cancelled): {text}");
        }
    }

    private async Task ShowHistoryAsync(int count, CancellationToken cancellationToken)
    {
        if (RequireOpen() is not { } open)
        {
            return;
        }

        var page = await _client.GetMessagesAsync(open, limit: count, cancellationToken: cancellationToken);
        foreach (var message in page.OrderBy(m => m.Seq))
        {
            _terminal.Print(Format(message));
        }
    }

    private async ValueTask<string> DescribeMessageAsync(MessageData message)
    {
        _lastSeq.AddOrUpdate(message.ConversationId, message.Seq, (_, seq) => Math.Max(seq, message.Seq));
        var where = message.ConversationId == _open ? "" : $"[{await _names.GetAsync(message.ConversationId)}] ";
        return where + Format(message);
    }

    private string? DescribeStatus(MessageStatusChangedEvent status)
    {
        if (status.Status == DeliveryStatus.Sent)
        {
            return null;
        }

        var marker = status.Status == DeliveryStatus.Read ? "✓✓ read" : "✓✓ delivered";
        var text = _sentContent.TryGetValue(status.MessageId, out var content) ? content : status.MessageId;
        return $"  {marker} #{status.Seq} {text}";
    }

    private void Open(ConversationBody conversation)
    {
        var name = _names.Remember(conversation);
        _open = conversation.ConversationId;
        _terminal.SetPrompt($"{name}> ");
        _terminal.Print($"· opened {name} ({conversation.Members.Count} members, {conversation.UnreadCount} unread)");
    }

    /// <summary>Whether every id is one the browser client accepts too; prints why not.</summary>
    private bool RequireUserIds(IEnumerable<string> userIds)
    {
        foreach (var userId in userIds)
        {
            if (!UserIds.IsValid(userId))
            {
                _terminal.Print($"! {UserIds.Problem(userId)}");
                return false;
            }
        }

        return true;
    }

    private string? RequireOpen()
    {
        if (_open is null)
        {
            _terminal.Print("· no chat open: /open <user> or /group <name> <user..>");
        }

        return _open;
    }

    private string Format(MessageData message)
    {
        var who = message.SenderId == _me ? "me" : message.SenderId;
        return $"  {message.Timestamp.ToLocalTime():HH:mm} #{message.Seq} {who}: {message.Content}";
    }

    private static string PresenceText(string userId, PresenceState status, DateTimeOffset? lastSeen) => status == PresenceState.Online
        ? $"● {userId} is online"
        : $"○ {userId} is offline{(lastSeen is { } seen ? $", last seen {seen.ToLocalTime():g}" : "")}";
}
