using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Protocol.Serialization;

/// <summary>
/// The wire names of a protocol enum: the member name in snake_case (<c>DeliveryStatus.Delivered</c> is
/// <c>"delivered"</c>). One table serves the frame reader and writer and the JSON context, so they never disagree.
/// </summary>
/// <typeparam name="T">The protocol enum.</typeparam>
internal static class WireEnum<T>
    where T : struct, Enum
{
    private static readonly T[] Values = Enum.GetValues<T>();

    private static readonly JsonEncodedText[] Names =
        Array.ConvertAll(Values, value => JsonEncodedText.Encode(JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString())));

    /// <summary>The accepted names, for error messages: <c>"sent", "delivered", "read"</c>.</summary>
    public static string Expected { get; } = string.Join(", ", Array.ConvertAll(Names, name => $"\"{name}\""));

    public static JsonEncodedText NameOf(T value)
    {
        for (var i = 0; i < Values.Length; i++)
        {
            if (EqualityComparer<T>.Default.Equals(Values[i], value))
            {
                return Names[i];
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a defined {typeof(T).Name}.");
    }

    /// <summary>Matches a string against the names (exact, case-sensitive).</summary>
    public static bool TryParse(string text, out T value)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (string.Equals(Names[i].Value, text, StringComparison.Ordinal))
            {
                value = Values[i];
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Matches the current string token against the names (exact, case-sensitive).</summary>
    public static bool TryRead(ref Utf8JsonReader reader, out T value)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            for (var i = 0; i < Names.Length; i++)
            {
                if (reader.ValueTextEquals(Names[i].EncodedUtf8Bytes))
                {
                    value = Values[i];
                    return true;
                }
            }
        }

        value = default;
        return false;
    }
}

/// <summary>Serialises a protocol enum as its lowercase wire name; integers and unknown names are rejected.</summary>
/// <typeparam name="T">The protocol enum.</typeparam>
internal sealed class WireEnumConverter<T> : JsonConverter<T>
    where T : struct, Enum
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        WireEnum<T>.TryRead(ref reader, out var value)
            ? value
            : throw new JsonException($"Expected one of {WireEnum<T>.Expected}.");

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(WireEnum<T>.NameOf(value));
}

/// <summary>Writes timestamps as UTC ISO-8601 with <c>Z</c> (<c>2024-01-15T10:30:00Z</c>); reads any ISO-8601 offset.</summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value)
            ? value.ToUniversalTime()
            : throw new JsonException("Expected an ISO-8601 timestamp.");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime);
}
