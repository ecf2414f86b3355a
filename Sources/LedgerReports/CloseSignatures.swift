/// Who prepared and who approved a period's close (business rule 9); dates RFC 3339 with offset.
public struct CloseSignatures: Sendable, Hashable, Codable {
    public let preparedBy: String          // the preparer's login
    public let preparedByName: String?     // the staff member's name, when known
    public let preparedAt: String
    public let approvedBy: String?         // nil while the proposal is pending
    public let approvedByName: String?
    public let approvedAt: String?

    public init(preparedBy: String, preparedByName: String?, preparedAt: String, approvedBy: String?, approvedByName: String?, approvedAt: String?) {
        self.preparedBy = preparedBy
        self.preparedByName = preparedByName
        self.preparedAt = preparedAt
        self.approvedBy = approvedBy
        self.approvedByName = approvedByName
        self.approvedAt = approvedAt
    }
}
