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
    private readonly ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _sentContent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _lastSeq = new(StringComparer.Ordinal);
    private volatile string? _open;

    public ChatApp(MessagingClient client, Terminal terminal, string me)
    {
        _client = client;
        _terminal = terminal;
        _me = me;
        client.MessageReceived += (_, e) => OnMessage(e.Message);
        client.StatusChanged += (_, e) => OnStatus(e);
        client.TypingChanged += (_, e) => OnTyping(e);
        client.PresenceChanged += (_, e) => _terminal.Print(PresenceText(e.UserId, e.Status, e.LastSeen));
        client.ConnectionStateChanged += (_, e) => _terminal.Print($"· {e.State.ToString().ToLowerInvariant()}{(e.Error is null ? "" : $": {e.Error.Message}")}");
        client.ServerError += (_, e) => _terminal.Print($"! {e.Code}: {e.Message}");
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var conversation in await _client.ListConversationsAsync(cancellationToken))
        {
            Remember(conversation);
        }

        await _client.ConnectAsync(cancellationToken);
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
                    Remember(conversation);
                    var unread = conversation.UnreadCount > 0 ? $" ({conversation.UnreadCount} unread)" : "";
                    var last = conversation.LastMessage is { } m ? $": {m.SenderId}: {m.Content}" : "";
                    _terminal.Print($"  {NameOf(conversation.ConversationId)}{unread}{last}");
                }

                break;
            case "/open" when words.Length == 2:
                Open(await _client.CreateDirectConversationAsync(words[1], cancellationToken));
                await _client.SubscribePresenceAsync([words[1]], cancellationToken);
                break;
            case "/group" when words.Length >= 3:
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

    private void OnMessage(MessageData message)
    {
        _lastSeq.AddOrUpdate(message.ConversationId, message.Seq, (_, seq) => Math.Max(seq, message.Seq));
        if (!_names.ContainsKey(message.ConversationId))
        {
            _ = LearnNameAsync(message.ConversationId);
        }

        var where = message.ConversationId == _open ? "" : $"[{NameOf(message.ConversationId)}] ";
        _terminal.Print(where + Format(message));
    }

    private void OnStatus(MessageStatusChangedEvent status)
    {
        if (status.Status == DeliveryStatus.Sent)
        {
            return;
        }

        var marker = status.Status == DeliveryStatus.Read ? "✓✓ read" : "✓✓ delivered";
        var text = _sentContent.TryGetValue(status.MessageId, out var content) ? content : status.MessageId;
        _terminal.Print($"  {marker} #{status.Seq} {text}");
    }

    private void OnTyping(TypingChangedEvent typing)
    {
        if (typing.IsTyping)
        {
            var where = typing.ConversationId == _open ? "" : $" in {NameOf(typing.ConversationId)}";
            _terminal.Print($"· {typing.UserId} is typing…{where}");
        }
    }

    private void Open(ConversationBody conversation)
    {
        Remember(conversation);
        _open = conversation.ConversationId;
        _terminal.SetPrompt($"{NameOf(conversation.ConversationId)}> ");
        _terminal.Print($"· opened {NameOf(conversation.ConversationId)} ({conversation.Members.Count} members, {conversation.UnreadCount} unread)");
    }

    private string? RequireOpen()
    {
        if (_open is null)
        {
            _terminal.Print("· no chat open: /open <user> or /group <name> <user..>");
        }

        return _open;
    }

    private void Remember(ConversationBody conversation)
    {
        _names[conversation.ConversationId] = conversation.Type == ConversationType.Group
            ? conversation.Name ?? conversation.ConversationId
            : conversation.Members.FirstOrDefault(m => m.UserId != _me)?.UserId ?? _me;
    }

    private async Task LearnNameAsync(string conversationId)
    {
        try
        {
            Remember(await _client.GetConversationAsync(conversationId));
        }
        catch (MessagingClientException ex)
        {
            _terminal.Print($"! could not load {conversationId}: {ex.Code}");
        }
    }

    private string NameOf(string conversationId) => _names.TryGetValue(conversationId, out var name) ? name : conversationId;

    private string Format(MessageData message)
    {
        var who = message.SenderId == _me ? "me" : message.SenderId;
        return $"  {message.Timestamp.ToLocalTime():HH:mm} #{message.Seq} {who}: {message.Content}";
    }

    private static string PresenceText(string userId, PresenceState status, DateTimeOffset? lastSeen) => status == PresenceState.Online
        ? $"● {userId} is online"
        : $"○ {userId} is offline{(lastSeen is { } seen ? $", last seen {seen.ToLocalTime():g}" : "")}";
}
