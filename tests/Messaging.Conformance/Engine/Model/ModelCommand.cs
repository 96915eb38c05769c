using FsCheck;
using FsCheck.Fluent;

namespace Messaging.Conformance;

/// <summary>One step of a model run. Users, devices and conversations are indexes into the run's fixed cast.</summary>
internal abstract record ModelCommand
{
    /// <summary>Users: 0 is the admin of both groups; devices: 0 (node 0) and 1 (node 1).</summary>
    public const int Users = 4;

    /// <summary>Devices per user.</summary>
    public const int Devices = 2;

    /// <summary>Conversations: 0 direct (users 0 and 1), 1 small group (users 0-2), 2 large group (users 0-3).</summary>
    public const int Conversations = 3;

    /// <summary>A random command list of 10-40 steps.</summary>
    public static Gen<ModelScript> Script { get; } =
        from length in Gen.Choose(10, 40)
        from commands in Step.ListOf(length)
        select new ModelScript(commands);

    private static Gen<ModelCommand> Step
    {
        get
        {
            var user = Gen.Choose(0, Users - 1);
            var device = Gen.Choose(0, Devices - 1);
            var conversation = Gen.Choose(0, Conversations - 1);
            var groups = Gen.Choose(1, Conversations - 1);
            var member = Gen.Choose(1, Users - 1);
            var flag = Gen.Elements(true, false);
            return Gen.Frequency(
                (8, from u in user from d in device from c in conversation select (ModelCommand)new SendCommand(u, d, c)),
                (2, from u in user from d in device from pick in Gen.Choose(0, 1000) select (ModelCommand)new ResendCommand(u, d, pick)),
                (1, from u in user from d in device select (ModelCommand)new DisconnectCommand(u, d)),
                (2, from u in user from d in device select (ModelCommand)new ConnectCommand(u, d)),
                (1, from u in user from d in device select (ModelCommand)new SyncCommand(u, d)),
                (3, from u in user from d in device from c in conversation from read in flag from byId in flag select (ModelCommand)new AckCommand(u, d, c, read, byId)),
                (1, from u in user from d in device from c in conversation from isTyping in flag select (ModelCommand)new TypingCommand(u, d, c, isTyping)),
                (1, from c in groups from u in member select (ModelCommand)new AddMemberCommand(c, u)),
                (1, from c in groups from u in member select (ModelCommand)new RemoveMemberCommand(c, u)));
        }
    }
}

/// <summary>The generated command list; prints one numbered command per line.</summary>
internal sealed record ModelScript(IReadOnlyList<ModelCommand> Commands)
{
    /// <inheritdoc />
    public override string ToString()
        => string.Join(Environment.NewLine, Commands.Select((c, i) => $"  {i + 1,2}. {c}"));
}

/// <summary>A device sends a new message.</summary>
internal sealed record SendCommand(int User, int Device, int Conversation) : ModelCommand
{
    /// <inheritdoc />
    public override string ToString() => $"u{User}/d{Device} send to c{Conversation}";
}

/// <summary>A device resends one of its user's earlier messages with the same client message id.</summary>
internal sealed record ResendCommand(int User, int Device, int Pick) : ModelCommand
{
    /// <inheritdoc />
    public override string ToString() => $"u{User}/d{Device} resend earlier send #{Pick}";
}

/// <summary>A device disconnects.</summary>
internal sealed record DisconnectCommand(int User, int Device) : ModelCommand
{
    /// <inheritdoc />
    public override string ToString() => $"u{User}/d{Device} disconnect";
}

/// <summary>A device connects (catch-up), when disconnected.</summary>
internal sealed record ConnectCommand(int User, int Device) : ModelCommand
{
    /// <inheritdoc />
    public override string ToString() => $"u{User}/d{Device} connect";
}

/// <summary>A device syncs from its stored marks.</summary>
internal sealed record SyncCommand(int User, int Device) : ModelCommand
{
    /// <inheritdoc />
    public override string ToString() => $"u{User}/d{Device} sync";
}

/// <summary>A device acknowledges everything it has seen of a conversation: up to a seq, or by the newest message's id.</summary>
internal sealed record AckCommand(int User, int Device, int Conversation, bool Read, bool ById) : ModelCommand
{
    /// <inheritdoc />
    public override string ToString() => $"u{User}/d{Device} ack {(Read ? "read" : "delivered")} in c{Conversation}{(ById ? " by id" : "")}";
}

/// <summary>A device starts or stops typing.</summary>
internal sealed record TypingCommand(int User, int Device, int Conversation, bool IsTyping) : ModelCommand
{
    /// <inheritdoc />
    public override string ToString() => $"u{User}/d{Device} typing {(IsTyping ? "on" : "off")} in c{Conversation}";
}

/// <summary>The admin adds a user to a group.</summary>
internal sealed record AddMemberCommand(int Conversation, int User) : ModelCommand
{
    /// <inheritdoc />
    public override string ToString() => $"admin adds u{User} to c{Conversation}";
}

/// <summary>The admin removes a user from a group.</summary>
internal sealed record RemoveMemberCommand(int Conversation, int User) : ModelCommand
{
    /// <inheritdoc />
    public override string ToString() => $"admin removes u{User} from c{Conversation}";
}
