// log_shape: variable parts of messages become placeholders; the constant text stays.
import Testing
@testable import Logs

@Suite struct MessageShapeTests {
    @Test func numbersIdsAndQuotesBecomePlaceholders() {
        #expect(MessageShape.of("fetched 1,204 new documents") == "fetched # new documents")
        #expect(MessageShape.of("epoch 3/3 loss=0.3012 val_auc=0.8900") == "epoch #/# loss=# val_auc=#")
        #expect(MessageShape.of("job 6553a1b2c3d4e5f6 failed at 2026-11-20 02:00:01") == "job # failed at # #")
        #expect(MessageShape.of("pointer 0xdeadBEEF freed") == "pointer # freed")
        #expect(MessageShape.of("no such file 'model_v2.pt' in \"/opt/ml\"") == "no such file '…' in '…'")
        #expect(MessageShape.of("GPU memory at 97% after epoch 2; batch size 512") == "GPU memory at #% after epoch #; batch size #")
        // Words that merely contain digits or hex letters stay: v2, cafe, deadline.
        #expect(MessageShape.of("model v2 published to cafe deadline") == "model v2 published to cafe deadline")
        #expect(MessageShape.of("") == "")
        #expect(MessageShape.of("unterminated 'quote 12") == "unterminated 'quote #")
        #expect(MessageShape.of("héllo 42 wörld") == "héllo # wörld")
    }
}
