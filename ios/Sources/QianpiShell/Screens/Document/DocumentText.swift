// The words a document's screen prints for the core's enums, as keys of Document.strings (the
// core's label_zh gives the Chinese only; the app needs both languages).
import Qianpi

enum DocumentText {
    static func kind(_ kind: DocumentKind) -> UIText {
        switch kind {
        case .outgoing: return .key("document.kind.outgoing")
        case .incoming: return .key("document.kind.incoming")
        case .internalRequest: return .key("document.kind.internal_request")
        case .request: return .key("document.kind.request")
        }
    }

    static func secrecy(_ level: SecrecyLevel) -> UIText {
        switch level {
        case .none: return .key("document.secrecy.none")
        case .secret: return .key("document.secrecy.secret")
        case .confidential: return .key("document.secrecy.confidential")
        case .topSecret: return .key("document.secrecy.top_secret")
        }
    }

    static func state(_ state: InstanceState) -> UIText {
        switch state {
        case .draft: return .key("document.state.draft")
        case .running: return .key("document.state.running")
        case .completed: return .key("document.state.completed")
        case .rejected: return .key("document.state.rejected")
        case .revoked: return .key("document.state.revoked")
        case .terminated: return .key("document.state.terminated")
        case .suspended: return .key("document.state.suspended")
        }
    }

    static func format(_ format: BodyFormat) -> UIText {
        switch format {
        case .ofd: return .plain("OFD")
        case .pdf: return .plain("PDF")
        case .docx: return .plain("Word")
        }
    }

    static func attitude(_ attitude: Attitude) -> UIText {
        switch attitude {
        case .agree: return .key("document.attitude.agree")
        case .disagree: return .key("document.attitude.disagree")
        case .read: return .key("document.attitude.read")
        }
    }

    static func action(_ action: FlowAction) -> UIText {
        switch action {
        case .approve: return .key("document.flow.approve")
        case .disagree: return .key("document.flow.disagree")
        case .batchApprove: return .key("document.flow.batch_approve")
        case .markRead: return .key("document.flow.mark_read")
        case .reject: return .key("document.flow.reject")
        case .return: return .key("document.flow.return")
        case .transfer: return .key("document.flow.transfer")
        case .delegate: return .key("document.flow.delegate")
        case .resolve: return .key("document.flow.resolve")
        case .addSigner: return .key("document.flow.add_signer")
        case .removeSigner: return .key("document.flow.remove_signer")
        case .circulate: return .key("document.flow.circulate")
        case .recall: return .key("document.flow.recall")
        case .revoke: return .key("document.flow.revoke")
        case .terminate: return .key("document.flow.terminate")
        case .urge: return .key("document.flow.urge")
        case .suspend: return .key("document.flow.suspend")
        case .resume: return .key("document.flow.resume")
        case .open: return .key("document.flow.open")
        case .save: return .key("document.flow.save")
        case .claim: return .key("document.flow.claim")
        case .release: return .key("document.flow.release")
        case .takeBack: return .key("document.flow.take_back")
        }
    }
}
