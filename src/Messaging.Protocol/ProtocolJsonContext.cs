using System.Text.Json.Serialization;
using Messaging.Protocol.Serialization;

namespace Messaging.Protocol;

/// <summary>
/// Source-generated System.Text.Json metadata for the REST bodies of protocol v1: snake_case names, enums as
/// lowercase strings, timestamps in UTC with <c>Z</c>, nulls written, required members and non-nullable properties
/// enforced on read. Use <see cref="JsonSerializerContext"/> members such as <c>ProtocolJsonContext.Default.ConversationBody</c>.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(ConversationBody))]
[JsonSerializable(typeof(ConversationListBody))]
[JsonSerializable(typeof(CreateConversationRequest))]
[JsonSerializable(typeof(AddMemberRequest))]
[JsonSerializable(typeof(MessagesPageBody))]
[JsonSerializable(typeof(MessageData))]
[JsonSerializable(typeof(ReceiptsBody))]
[JsonSerializable(typeof(PresenceBody))]
[JsonSerializable(typeof(PrivacyRequest))]
[JsonSerializable(typeof(ErrorBody))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
