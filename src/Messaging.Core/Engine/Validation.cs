namespace Messaging;

/// <summary>Checks of client input, failing with <see cref="MessagingValidationException"/> (<c>bad_request</c>).</summary>
internal static class Validation
{
    /// <summary>Requires a non-empty id of at most <see cref="EngineLimits.MaxIdLength"/> chars.</summary>
    /// <param name="value">The id.</param>
    /// <param name="what">What the id names, for the error message.</param>
    /// <returns>The id.</returns>
    public static string RequireId(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > EngineLimits.MaxIdLength)
        {
            throw BadRequest($"{what} must be 1..{EngineLimits.MaxIdLength} non-blank characters.");
        }

        return value;
    }

    /// <summary>Requires a user id named by a client in the form of <see cref="UserIds"/>.</summary>
    /// <param name="value">The user id.</param>
    /// <param name="what">The field that carried it, for the error message.</param>
    /// <returns>The user id.</returns>
    public static string RequireUserId(string? value, string what)
        => value is not null && UserIds.IsValid(value) ? value : throw BadRequest($"{what} must be {UserIds.Description}.");

    /// <summary>Requires a client's device id: an id (see <see cref="RequireId"/>) that is not reserved for the engine.</summary>
    /// <param name="deviceId">The device id.</param>
    /// <returns>The device id.</returns>
    public static string RequireDeviceId(string? deviceId)
    {
        var id = RequireId(deviceId, "device_id");
        return ReservedDeviceIds.IsReserved(id) ? throw BadRequest($"device_id must not start with '{ReservedDeviceIds.Prefix}'.") : id;
    }

    /// <summary>Requires <see cref="ReceiptStatus.Delivered"/> or <see cref="ReceiptStatus.Read"/>.</summary>
    /// <param name="status">The status of an ack.</param>
    public static void RequireAckStatus(ReceiptStatus status)
    {
        if (status is not (ReceiptStatus.Delivered or ReceiptStatus.Read))
        {
            throw BadRequest("An ack status must be delivered or read.");
        }
    }

    /// <summary>A <c>bad_request</c> failure.</summary>
    /// <param name="message">A message safe to show to the client.</param>
    /// <returns>The exception.</returns>
    public static MessagingValidationException BadRequest(string message) => new(MessagingErrorKind.BadRequest, message);
}
