using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// One model run: executes commands against two engines and, step by step, against a reference model of
/// membership, sequencing and receipts; <see cref="ModelVerifier"/> compares the final state with the model.
/// </summary>
internal sealed class ModelRun(IReadOnlyList<MessagingEngine> nodes, MessagingBackplane backplane, Func<Task, string, Task> waitFor, CancellationToken cancellationToken)
{
    private readonly Dictionary<(int Conversation, int User), Watermark> _userMarks = [];
    private readonly Dictionary<(int Conversation, int User, int Device), Watermark> _deviceMarks = [];

    public string[] UserIds { get; } = [.. Enumerable.Range(0, ModelCommand.Users).Select(i => $"u{i}-{Guid.NewGuid():N}")];

    public string[] ConversationIds { get; } = new string[ModelCommand.Conversations];

    public ModelDevice[] Devices { get; private set; } = [];

    public HashSet<int>[] Members { get; } = [.. Enumerable.Range(0, ModelCommand.Conversations).Select(_ => new HashSet<int>())];

    /// <summary>The seq ranges (inclusive; open-ended while a member) in which each user belonged to each conversation.</summary>
    public Dictionary<(int Conversation, int User), List<(long From, long? To)>> Periods { get; } = [];

    /// <summary>Windows in which a user was not a member: no message after <c>AfterSeq</c> may arrive in them.</summary>
    public List<GapWindow> Gaps { get; } = [];

    public List<SentMessage> Sends { get; } = [];

    public long[] LastSeq { get; } = new long[ModelCommand.Conversations];

    /// <summary>Each user's read mark as the model sees it: the maximum of read acks and own sends.</summary>
    public Dictionary<(int Conversation, int User), long> ReadUpTo { get; } = [];

    /// <summary>Each user's delivered mark as the model sees it: the maximum of all acks and own sends (read implies delivered).</summary>
    public Dictionary<(int Conversation, int User), long> DeliveredUpTo { get; } = [];

    private MessagingEngine Admin => nodes[0];

    public ModelDevice Device(int user, int device) => Devices[(user * ModelCommand.Devices) + device];

    public async Task SetUpAsync()
    {
        ConversationIds[0] = (await Admin.CreateDirectConversationAsync(UserIds[0], UserIds[1], cancellationToken)).View.Conversation.Id;
        ConversationIds[1] = (await Admin.CreateGroupAsync(UserIds[0], "small", [UserIds[1], UserIds[2]], cancellationToken)).Conversation.Id;
        ConversationIds[2] = (await Admin.CreateGroupAsync(UserIds[0], "large", [.. UserIds[1..]], cancellationToken)).Conversation.Id;
        int[][] initial = [[0, 1], [0, 1, 2], [0, 1, 2, 3]];
        for (var c = 0; c < ModelCommand.Conversations; c++)
        {
            LastSeq[c] = (await Admin.GetConversationAsync(UserIds[0], ConversationIds[c], cancellationToken)).LastSeq;
            foreach (var user in initial[c])
            {
                Members[c].Add(user);
                Periods[(c, user)] = [(1, null)];
            }
        }

        Devices = [.. Enumerable.Range(0, ModelCommand.Users * ModelCommand.Devices)
            .Select(i => new ModelDevice(i / ModelCommand.Devices, i % ModelCommand.Devices, UserIds[i / ModelCommand.Devices], $"d{i % ModelCommand.Devices}"))];
        foreach (var device in Devices)
        {
            await device.ConnectAsync(NodeOf(device), waitFor, cancellationToken);
        }
    }

    public Task ExecuteAsync(ModelCommand command) => command switch
    {
        SendCommand c => SendAsync(c),
        ResendCommand c => ResendAsync(c),
        DisconnectCommand c => Device(c.User, c.Device).DisconnectAsync(),
        ConnectCommand c => Device(c.User, c.Device).Session is null ? Device(c.User, c.Device).ConnectAsync(NodeOf(Device(c.User, c.Device)), waitFor, cancellationToken) : Task.CompletedTask,
        SyncCommand c => SyncAsync(Device(c.User, c.Device)),
        AckCommand c => AckAsync(c),
        TypingCommand c => TypingAsync(c),
        AddMemberCommand c => AddMemberAsync(c),
        RemoveMemberCommand c => RemoveMemberAsync(c),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown command."),
    };

    /// <summary>Brings every device online and synced, so everything stored must have reached it.</summary>
    public async Task FinishAsync()
    {
        foreach (var device in Devices)
        {
            if (device.Session is null)
            {
                await device.ConnectAsync(NodeOf(device), waitFor, cancellationToken);
            }
            else
            {
                await SyncAsync(device);
            }
        }
    }

    public async Task DisconnectAllAsync()
    {
        foreach (var device in Devices)
        {
            await device.DisconnectAsync();
        }
    }

    private MessagingEngine NodeOf(ModelDevice device) => nodes[device.Device % nodes.Count];

    private async Task SendAsync(SendCommand command)
    {
        var device = Device(command.User, command.Device);
        if (device.Session is not { } session)
        {
            return;
        }

        var request = new SendMessageRequest(ConversationIds[command.Conversation], $"#{Sends.Count} from {device}", $"cmid-{Guid.NewGuid():N}");
        if (!Members[command.Conversation].Contains(command.User))
        {
            await ExpectNotFoundAsync(() => session.SendAsync(request, cancellationToken).AsTask(), "a send by a non-member");
            return;
        }

        var result = await session.SendAsync(request, cancellationToken);
        Assert.False(result.Duplicate, "a new client message id was reported as a duplicate");
        Assert.Equal((LastSeq[command.Conversation] + 1, device.UserId, request.Content, request.ClientMsgId), (result.Message.Seq, result.Message.SenderId, result.Message.Content, result.Message.ClientMsgId));
        LastSeq[command.Conversation] = result.Message.Seq;
        ReadUpTo[(command.Conversation, command.User)] = result.Message.Seq;
        DeliveredUpTo[(command.Conversation, command.User)] = result.Message.Seq;
        Sends.Add(new SentMessage(command.User, command.Device, command.Conversation, result.Message));
        await waitFor(device.Connection!.WhenAsync(SentStatusCount(result.Message, 1)), $"the sent status of {device}'s message");
    }

    private async Task ResendAsync(ResendCommand command)
    {
        var device = Device(command.User, command.Device);
        var mine = Sends.Where(s => s.User == command.User).ToList();
        if (device.Session is not { } session || mine.Count == 0)
        {
            return;
        }

        var original = mine[command.Pick % mine.Count];
        var request = new SendMessageRequest(original.Message.ConversationId, original.Message.Content, original.Message.ClientMsgId);
        if (!Members[original.Conversation].Contains(command.User))
        {
            await ExpectNotFoundAsync(() => session.SendAsync(request, cancellationToken).AsTask(), "a resend by a former member");
            return;
        }

        var statuses = SentStatusCountOn(device.Connection!, original.Message);
        var result = await session.SendAsync(request, cancellationToken);
        Assert.True(result.Duplicate, "a repeated client message id was not reported as a duplicate");
        Assert.Equal(original.Message, result.Message);
        await waitFor(device.Connection!.WhenAsync(SentStatusCount(original.Message, statuses + 1)), $"the repeated sent status at {device}");
    }

    private async Task SyncAsync(ModelDevice device)
    {
        if (device.Session is not { } session)
        {
            return;
        }

        var completed = device.Connection!.SyncCompletions;
        await session.SyncAsync(null, cancellationToken);
        await waitFor(device.Connection.WhenSyncCompletedAsync(completed + 1), $"the sync of {device}");
    }

    private async Task AckAsync(AckCommand command)
    {
        var device = Device(command.User, command.Device);
        var conversationId = ConversationIds[command.Conversation];
        var upTo = device.HighestSeq(conversationId);
        if (device.Session is not { } session || upTo == 0)
        {
            return;
        }

        var status = command.Read ? ReceiptStatus.Read : ReceiptStatus.Delivered;

        // By id: the newest message the device received names the same seq (ids resolve to (conversation, seq)).
        var newestId = device.Log.OfType<MessageEvent>().First(e => e.Message.ConversationId == conversationId && e.Message.Seq == upTo).Message.MessageId;
        Func<Task> ack = command.ById
            ? () => session.AckAsync([newestId], status, cancellationToken).AsTask()
            : () => session.AckUpToAsync(conversationId, upTo, status, cancellationToken).AsTask();
        if (!Members[command.Conversation].Contains(command.User))
        {
            await ExpectNotFoundAsync(ack, "an ack by a non-member");
            return;
        }

        await ack();
        var key = (command.Conversation, command.User);
        DeliveredUpTo[key] = Math.Max(DeliveredUpTo.GetValueOrDefault(key), upTo);
        if (command.Read)
        {
            ReadUpTo[key] = Math.Max(ReadUpTo.GetValueOrDefault(key), upTo);
        }

        var deviceMark = await backplane.Receipts.GetDeviceAsync(conversationId, device.UserId, device.DeviceId, cancellationToken);
        var userMark = await backplane.Receipts.GetUserAsync(conversationId, device.UserId, cancellationToken);
        Assert.True(deviceMark.DeliveredUpTo >= upTo && (!command.Read || deviceMark.ReadUpTo >= upTo), $"{device}'s marks {deviceMark} do not cover the ack up to {upTo}");
        AssertMonotonic(_deviceMarks, (command.Conversation, command.User, command.Device), deviceMark, device.ToString());
        AssertMonotonic(_userMarks, (command.Conversation, command.User), userMark, $"u{command.User}");
    }

    private async Task TypingAsync(TypingCommand command)
    {
        var device = Device(command.User, command.Device);
        if (device.Session is not { } session)
        {
            return;
        }

        var conversationId = ConversationIds[command.Conversation];
        if (!Members[command.Conversation].Contains(command.User))
        {
            await ExpectNotFoundAsync(() => session.SetTypingAsync(conversationId, command.IsTyping, cancellationToken).AsTask(), "typing by a non-member");
            return;
        }

        await session.SetTypingAsync(conversationId, command.IsTyping, cancellationToken);
    }

    private async Task AddMemberAsync(AddMemberCommand command)
    {
        var (c, user) = (command.Conversation, command.User);
        var wasMember = Members[c].Contains(user);
        foreach (var gap in Gaps.Where(g => g.Conversation == c && g.User == user && g.End is null))
        {
            gap.End = Positions(user);
        }

        var view = await Admin.AddMemberAsync(UserIds[0], ConversationIds[c], UserIds[user], cancellationToken);
        if (wasMember)
        {
            Assert.Equal(LastSeq[c], view.LastSeq);
            return;
        }

        Assert.Equal(LastSeq[c] + 1, view.LastSeq);
        LastSeq[c] = view.LastSeq;
        Members[c].Add(user);
        Periods.TryAdd((c, user), []);
        Periods[(c, user)].Add((view.LastSeq, null));
    }

    private async Task RemoveMemberAsync(RemoveMemberCommand command)
    {
        var (c, user) = (command.Conversation, command.User);
        if (!Members[c].Contains(user))
        {
            await ExpectNotFoundAsync(() => Admin.RemoveMemberAsync(UserIds[0], ConversationIds[c], UserIds[user], cancellationToken).AsTask(), "removing a non-member");
            return;
        }

        var view = await Admin.RemoveMemberAsync(UserIds[0], ConversationIds[c], UserIds[user], cancellationToken);
        Assert.Equal(LastSeq[c] + 1, view.LastSeq);
        LastSeq[c] = view.LastSeq;
        Members[c].Remove(user);
        var periods = Periods[(c, user)];
        periods[^1] = (periods[^1].From, view.LastSeq);
        Gaps.Add(new GapWindow(c, user, view.LastSeq, Positions(user)));
    }

    private LogPosition[] Positions(int user) => [.. Enumerable.Range(0, ModelCommand.Devices).Select(d => Device(user, d).Position)];

    private static Func<IReadOnlyList<ClientEvent>, bool> SentStatusCount(Message message, int count)
        => events => events.Count(e => e is StatusEvent s && s.MessageId == message.MessageId && s.Status == ReceiptStatus.Sent) >= count;

    private static int SentStatusCountOn(RecordingClientConnection connection, Message message)
        => connection.Events.Count(e => e is StatusEvent s && s.MessageId == message.MessageId && s.Status == ReceiptStatus.Sent);

    private static void AssertMonotonic<TKey>(Dictionary<TKey, Watermark> seen, TKey key, Watermark now, string who)
        where TKey : notnull
    {
        Assert.True(now.ReadUpTo <= now.DeliveredUpTo, $"{who}: read mark above delivered mark: {now}");
        if (seen.TryGetValue(key, out var before))
        {
            Assert.True(now.DeliveredUpTo >= before.DeliveredUpTo && now.ReadUpTo >= before.ReadUpTo, $"{who}: marks moved backwards from {before} to {now}");
        }

        seen[key] = now;
    }

    private static async Task ExpectNotFoundAsync(Func<Task> action, string what)
    {
        var exception = await Assert.ThrowsAnyAsync<MessagingException>(action);
        Assert.True(exception.Kind == MessagingErrorKind.NotFound, $"{what} failed with {exception.Kind} instead of NotFound: {exception.Message}");
    }
}

/// <summary>A message the model sent, with the device that sent it.</summary>
internal sealed record SentMessage(int User, int Device, int Conversation, Message Message);

/// <summary>A window in which a user was not a member of a conversation: start and end log positions per device.</summary>
internal sealed class GapWindow(int conversation, int user, long afterSeq, LogPosition[] start)
{
    public int Conversation { get; } = conversation;

    public int User { get; } = user;

    public long AfterSeq { get; } = afterSeq;

    public LogPosition[] Start { get; } = start;

    public LogPosition[]? End { get; set; }
}
