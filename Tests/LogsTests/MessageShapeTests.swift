// log_shape: the variable parts of messages become `#`; the words a logging call writes every time stay.
// Grouping accuracy on labelled data is measured in Benchmarks/peers/log_shape.py (loghub, beside Drain3).
import Testing
@testable import Logs

@Suite struct MessageShapeTests {
    @Test func numbersAndValues() {
        #expect(MessageShape.of("fetched 1,204 new documents") == "fetched # new documents")
        #expect(MessageShape.of("epoch 3/3 loss=0.3012 val_auc=0.8900") == "epoch #/# loss=# val_auc=#")
        #expect(MessageShape.of("job 6553a1b2c3d4e5f6 failed at 2026-11-20 02:00:01") == "job # failed at #")
        #expect(MessageShape.of("pointer 0xdeadBEEF freed") == "pointer # freed")
        #expect(MessageShape.of("GPU memory at 97% after epoch 2; batch size 512") == "GPU memory at # after epoch #; batch size #")
        #expect(MessageShape.of("") == "")
    }

    @Test func idsWithDigitsFoldWhateverTheirLetters() {
        #expect(MessageShape.of("embedding doc_2980 failed") == MessageShape.of("embedding doc_17 failed"))
        #expect(MessageShape.of("user-17 logged out") == "# logged out")
        // UUIDs fold the same way in any case and whatever their letters.
        let a = MessageShape.of("request 3f2b9c1e-8d0a-4b2c-9e1f-0a1b2c3d4e5f done")
        let b = MessageShape.of("request A1B2C3D4-E5F6-A7B8-C9D0-E1F2A3B4C5D6 done")
        #expect(a == "request # done" && a == b)
        // A git SHA is one value.
        #expect(MessageShape.of("checked out f9c2e1a0b3d4 for build") == "checked out # for build")
        #expect(MessageShape.of("[rank3]: NCCL timeout") == MessageShape.of("[rank12]: NCCL timeout"))
    }

    @Test func quotedValuesFoldButRequestLinesKeepTheirRoute() {
        #expect(MessageShape.of("no such file 'model_v2.pt' in \"/opt/ml\"") == "no such file '#' in \"#\"")
        let users = MessageShape.of("\"GET /api/v1/users/17 HTTP/1.1\" 200")
        let others = MessageShape.of("\"GET /api/v1/users/9 HTTP/1.1\" 200")
        let orders = MessageShape.of("\"POST /api/v1/orders/9 HTTP/1.1\" 500")
        #expect(users == others)
        #expect(users != orders)
        #expect(users.contains("GET /api/") && users.contains("/users/"))
    }

    @Test func wordsStay() {
        #expect(MessageShape.of("ValueError: could not convert string to float") == "ValueError: could not convert string to float")
        #expect(MessageShape.of("org.apache.hadoop.mapred.Task done") == "org.apache.hadoop.mapred.Task done")
        #expect(MessageShape.of("I/O error on device") == "I/O error on device")
    }

    @Test func hostsPathsUsersAndLists() {
        #expect(MessageShape.of("connect to db.internal:5432 refused") == "connect to #:# refused")
        #expect(MessageShape.of("mail to ops@example.com bounced") == "mail to # bounced")
        #expect(MessageShape.of("cannot open /var/log/app/today.log") == "cannot open #")
        #expect(MessageShape.of("session opened for user alice") == MessageShape.of("session opened for user bob"))
        #expect(MessageShape.of("delete blocks 1 2 3") == MessageShape.of("delete blocks 4, 5, 6, 7, 8"))
        #expect(MessageShape.of("started   at  noon") == "started at noon")
        #expect(MessageShape.of("clock synced Sun Jul 3 12:00:01 2005") == "clock synced #")
    }
}
