namespace Messaging.Protocol.Serialization;

/// <summary>
/// Turns <see cref="FrameFields"/> into typed values for one frame type, remembering the first problem as a message
/// a client developer can act on (<c>"message" frame is missing "client_msg_id"</c>).
/// </summary>
internal struct FieldValidator(string frameType)
{
    public string? Error { get; private set; }

    public string RequiredString(in Field<string> field, string name) =>
        field.State == FieldState.Present ? field.Value : Fail<string>(field.State, name, "a string", required: true) ?? string.Empty;

    public string? OptionalString(in Field<string> field, string name) =>
        field.State == FieldState.Present ? field.Value : Fail<string>(field.State, name, "a string", required: false);

    public long RequiredInt64(in Field<long> field, string name) =>
        field.State == FieldState.Present ? field.Value : Fail<long>(field.State, name, "an integer", required: true);

    public bool RequiredBoolean(in Field<bool> field, string name) =>
        field.State == FieldState.Present ? field.Value : Fail<bool>(field.State, name, "true or false", required: true);

    public DateTimeOffset RequiredTimestamp(in Field<DateTimeOffset> field, string name) =>
        field.State == FieldState.Present ? field.Value : Fail<DateTimeOffset>(field.State, name, "an ISO-8601 timestamp", required: true);

    public DateTimeOffset? OptionalTimestamp(in Field<DateTimeOffset> field, string name) =>
        field.State == FieldState.Present ? field.Value : Fail<DateTimeOffset?>(field.State, name, "an ISO-8601 timestamp", required: false);

    public string[] RequiredStringArray(in Field<string[]> field, string name) =>
        field.State == FieldState.Present ? field.Value : Fail<string[]>(field.State, name, "an array of strings", required: true) ?? [];

    public Dictionary<string, long>? OptionalCursors(in Field<Dictionary<string, long>> field, string name) =>
        field.State == FieldState.Present ? field.Value : Fail<Dictionary<string, long>>(field.State, name, "an object of integers", required: false);

    public Dictionary<string, long> RequiredCursors(in Field<Dictionary<string, long>> field, string name) =>
        OptionalCursors(field, name) ?? Fail<Dictionary<string, long>>(FieldState.Absent, name, string.Empty, required: true) ?? [];

    public T RequiredEnum<T>(in Field<string> field, string name)
        where T : struct, Enum
    {
        if (field.State == FieldState.Present)
        {
            if (WireEnum<T>.TryParse(field.Value, out var value))
            {
                return value;
            }

            Error ??= $"\"{name}\" of a \"{frameType}\" frame must be one of {WireEnum<T>.Expected}.";
            return default;
        }

        return Fail<T>(field.State, name, $"one of {WireEnum<T>.Expected}", required: true);
    }

    public void Reject(string message) => Error ??= message;

    private T? Fail<T>(FieldState state, string name, string expected, bool required)
    {
        if (state == FieldState.WrongType)
        {
            Error ??= $"\"{name}\" of a \"{frameType}\" frame must be {expected}.";
        }
        else if (required)
        {
            Error ??= $"\"{frameType}\" frame is missing \"{name}\".";
        }

        return default;
    }
}
