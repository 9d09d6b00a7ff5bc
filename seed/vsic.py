# ruff: noqa: E501  (the VSIC names are kept on one line each, as published)
"""Level-4 codes of the Vietnam Standard Industrial Classification 2018 (VSIC 2018).

Source: Decision 27/2018/QĐ-TTg of 6 July 2018, annex "Hệ thống ngành kinh tế Việt Nam",
level-4 codes and names (a selection of the ones most registered by enterprises and
household businesses, transcribed from the published annex; spelling unverified line by
line). Each code carries a sector tag used to pick related lines and a name for the
enterprise. VSIC 2025 (Decision 36/2025/QĐ-TTg) may replace it; records store the version.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

VSIC_VERSION = "2018"

_TABLE = """
agri|0111|Trồng lúa
agri|0112|Trồng ngô và cây lương thực có hạt khác
agri|0118|Trồng rau, đậu các loại và trồng hoa
agri|0121|Trồng cây ăn quả
agri|0126|Trồng cây cà phê
agri|0127|Trồng cây chè
agri|0131|Nhân và chăm sóc cây giống hàng năm
agri|0141|Chăn nuôi trâu, bò và sản xuất giống trâu, bò
agri|0145|Chăn nuôi lợn và sản xuất giống lợn
agri|0146|Chăn nuôi gia cầm
agri|0161|Hoạt động dịch vụ trồng trọt
agri|0162|Hoạt động dịch vụ chăn nuôi
agri|0210|Trồng rừng, chăm sóc rừng và ươm giống cây lâm nghiệp
agri|0311|Khai thác thuỷ sản biển
agri|0321|Nuôi trồng thuỷ sản biển
agri|0322|Nuôi trồng thuỷ sản nội địa
mine|0810|Khai thác đá, cát, sỏi, đất sét
food|1010|Chế biến, bảo quản thịt và các sản phẩm từ thịt
food|1020|Chế biến, bảo quản thuỷ sản và các sản phẩm từ thuỷ sản
food|1030|Chế biến và bảo quản rau quả
food|1040|Sản xuất dầu, mỡ động, thực vật
food|1050|Chế biến sữa và các sản phẩm từ sữa
food|1061|Xay xát và sản xuất bột thô
food|1071|Sản xuất các loại bánh từ bột
food|1072|Sản xuất đường
food|1073|Sản xuất ca cao, sôcôla và bánh kẹo
food|1074|Sản xuất mì ống, mỳ sợi và sản phẩm tương tự
food|1075|Sản xuất món ăn, thức ăn chế biến sẵn
food|1076|Sản xuất chè
food|1077|Sản xuất cà phê
food|1079|Sản xuất thực phẩm khác chưa được phân vào đâu
food|1080|Sản xuất thức ăn gia súc, gia cầm và thuỷ sản
food|1101|Chưng, tinh cất và pha chế các loại rượu mạnh
food|1103|Sản xuất bia và mạch nha ủ men bia
food|1104|Sản xuất đồ uống không cồn, nước khoáng
textile|1311|Sản xuất sợi
textile|1312|Sản xuất vải dệt thoi
textile|1410|May trang phục (trừ trang phục từ da lông thú)
textile|1430|Sản xuất trang phục dệt kim, đan móc
textile|1512|Sản xuất vali, túi xách và các loại tương tự, sản xuất yên đệm
textile|1520|Sản xuất giày, dép
wood|1610|Cưa, xẻ, bào gỗ và bảo quản gỗ
wood|1621|Sản xuất gỗ dán, gỗ lạng, ván ép và ván mỏng khác
wood|1622|Sản xuất đồ gỗ xây dựng
wood|1629|Sản xuất sản phẩm khác từ gỗ; sản xuất sản phẩm từ tre, nứa, rơm, rạ và vật liệu tết bện
wood|1702|Sản xuất giấy nhăn, bìa nhăn, bao bì từ giấy và bìa
wood|1709|Sản xuất các sản phẩm khác từ giấy và bìa chưa được phân vào đâu
wood|1811|In ấn
wood|1812|Dịch vụ liên quan đến in
wood|3100|Sản xuất giường, tủ, bàn, ghế
chem|2023|Sản xuất mỹ phẩm, xà phòng, chất tẩy rửa, làm bóng và chế phẩm vệ sinh
chem|2100|Sản xuất thuốc, hoá dược và dược liệu
chem|2211|Sản xuất săm, lốp cao su; đắp và tái chế lốp cao su
chem|2220|Sản xuất sản phẩm từ plastic
chem|2022|Sản xuất sơn, véc ni và các chất sơn, quét tương tự; sản xuất mực in và ma tít
mech|2392|Sản xuất vật liệu xây dựng từ đất sét
mech|2394|Sản xuất xi măng, vôi và thạch cao
mech|2395|Sản xuất bê tông và các sản phẩm từ bê tông, xi măng và thạch cao
mech|2396|Cắt tạo dáng và hoàn thiện đá
mech|2410|Sản xuất sắt, thép, gang
mech|2511|Sản xuất các cấu kiện kim loại
mech|2512|Sản xuất thùng, bể chứa và dụng cụ chứa đựng bằng kim loại
mech|2592|Gia công cơ khí; xử lý và tráng phủ kim loại
mech|2593|Sản xuất dao kéo, dụng cụ cầm tay và đồ kim loại thông dụng
mech|2599|Sản xuất sản phẩm khác bằng kim loại chưa được phân vào đâu
mech|2610|Sản xuất linh kiện điện tử
mech|2620|Sản xuất máy vi tính và thiết bị ngoại vi của máy vi tính
mech|2630|Sản xuất thiết bị truyền thông
mech|2710|Sản xuất mô tơ, máy phát, biến thế điện, thiết bị phân phối và điều khiển điện
mech|2733|Sản xuất thiết bị dây dẫn điện các loại
mech|2740|Sản xuất thiết bị điện chiếu sáng
mech|2750|Sản xuất đồ điện dân dụng
mech|2822|Sản xuất máy công cụ và máy tạo hình kim loại
mech|2930|Sản xuất phụ tùng và bộ phận phụ trợ cho xe có động cơ và động cơ xe
mech|3312|Sửa chữa máy móc, thiết bị
mech|3314|Sửa chữa thiết bị điện
mech|3320|Lắp đặt máy móc và thiết bị công nghiệp
utility|3511|Sản xuất điện
utility|3512|Truyền tải và phân phối điện
utility|3600|Khai thác, xử lý và cung cấp nước
utility|3700|Thoát nước và xử lý nước thải
utility|3811|Thu gom rác thải không độc hại
utility|3821|Xử lý và tiêu huỷ rác thải không độc hại
utility|3830|Tái chế phế liệu
build|4101|Xây dựng nhà để ở
build|4102|Xây dựng nhà không để ở
build|4211|Xây dựng công trình đường sắt
build|4212|Xây dựng công trình đường bộ
build|4221|Xây dựng công trình điện
build|4222|Xây dựng công trình cấp, thoát nước
build|4223|Xây dựng công trình viễn thông, thông tin liên lạc
build|4229|Xây dựng công trình công ích khác
build|4291|Xây dựng công trình thủy
build|4292|Xây dựng công trình khai khoáng
build|4293|Xây dựng công trình chế biến, chế tạo
build|4299|Xây dựng công trình kỹ thuật dân dụng khác
build|4311|Phá dỡ
build|4312|Chuẩn bị mặt bằng
build|4321|Lắp đặt hệ thống điện
build|4322|Lắp đặt hệ thống cấp, thoát nước, hệ thống sưởi và điều hoà không khí
build|4329|Lắp đặt hệ thống xây dựng khác
build|4330|Hoàn thiện công trình xây dựng
build|4390|Hoạt động xây dựng chuyên dụng khác
motor|4511|Bán buôn ô tô và xe có động cơ khác
motor|4512|Bán lẻ ô tô con (loại 9 chỗ ngồi trở xuống)
motor|4513|Đại lý ô tô và xe có động cơ khác
motor|4520|Bảo dưỡng, sửa chữa ô tô và xe có động cơ khác
motor|4530|Bán phụ tùng và các bộ phận phụ trợ của ô tô và xe có động cơ khác
motor|4541|Bán mô tô, xe máy
motor|4542|Bảo dưỡng và sửa chữa mô tô, xe máy
motor|4543|Bán phụ tùng và các bộ phận phụ trợ của mô tô, xe máy
trade|4610|Đại lý, môi giới, đấu giá hàng hóa
trade|4620|Bán buôn nông, lâm sản nguyên liệu (trừ gỗ, tre, nứa) và động vật sống
trade|4631|Bán buôn gạo, lúa mỳ, hạt ngũ cốc khác, bột mỳ
trade|4632|Bán buôn thực phẩm
trade|4633|Bán buôn đồ uống
trade|4634|Bán buôn sản phẩm thuốc lá, thuốc lào
trade|4641|Bán buôn vải, hàng may mặc, giày dép
trade|4649|Bán buôn đồ dùng khác cho gia đình
trade|4651|Bán buôn máy vi tính, thiết bị ngoại vi và phần mềm
trade|4652|Bán buôn thiết bị và linh kiện điện tử, viễn thông
trade|4653|Bán buôn máy móc, thiết bị và phụ tùng máy nông nghiệp
trade|4659|Bán buôn máy móc, thiết bị và phụ tùng máy khác
trade|4661|Bán buôn nhiên liệu rắn, lỏng, khí và các sản phẩm liên quan
trade|4662|Bán buôn kim loại và quặng kim loại
trade|4663|Bán buôn vật liệu, thiết bị lắp đặt khác trong xây dựng
trade|4669|Bán buôn chuyên doanh khác chưa được phân vào đâu
trade|4690|Bán buôn tổng hợp
retail|4711|Bán lẻ lương thực, thực phẩm, đồ uống, thuốc lá, thuốc lào chiếm tỷ trọng lớn trong các cửa hàng kinh doanh tổng hợp
retail|4719|Bán lẻ khác trong các cửa hàng kinh doanh tổng hợp
retail|4721|Bán lẻ lương thực trong các cửa hàng chuyên doanh
retail|4722|Bán lẻ thực phẩm trong các cửa hàng chuyên doanh
retail|4723|Bán lẻ đồ uống trong các cửa hàng chuyên doanh
retail|4724|Bán lẻ sản phẩm thuốc lá, thuốc lào trong các cửa hàng chuyên doanh
retail|4730|Bán lẻ nhiên liệu động cơ trong các cửa hàng chuyên doanh
retail|4741|Bán lẻ máy vi tính, thiết bị ngoại vi, phần mềm và thiết bị viễn thông trong các cửa hàng chuyên doanh
retail|4742|Bán lẻ thiết bị nghe nhìn trong các cửa hàng chuyên doanh
retail|4751|Bán lẻ vải, len, sợi, chỉ khâu và hàng dệt khác trong các cửa hàng chuyên doanh
retail|4752|Bán lẻ đồ ngũ kim, sơn, kính và thiết bị lắp đặt khác trong xây dựng trong các cửa hàng chuyên doanh
retail|4753|Bán lẻ thảm, đệm, chăn, màn, rèm, vật liệu phủ tường và sàn trong các cửa hàng chuyên doanh
retail|4759|Bán lẻ đồ điện gia dụng, giường, tủ, bàn, ghế và đồ nội thất tương tự, đèn và bộ đèn điện, đồ dùng gia đình khác chưa được phân vào đâu trong các cửa hàng chuyên doanh
retail|4761|Bán lẻ sách, báo, tạp chí văn phòng phẩm trong các cửa hàng chuyên doanh
retail|4763|Bán lẻ thiết bị, dụng cụ thể dục, thể thao trong các cửa hàng chuyên doanh
retail|4764|Bán lẻ trò chơi, đồ chơi trong các cửa hàng chuyên doanh
retail|4771|Bán lẻ hàng may mặc, giày dép, hàng da và giả da trong các cửa hàng chuyên doanh
retail|4772|Bán lẻ thuốc, dụng cụ y tế, mỹ phẩm và vật phẩm vệ sinh trong các cửa hàng chuyên doanh
retail|4773|Bán lẻ hàng hóa khác mới trong các cửa hàng chuyên doanh
retail|4774|Bán lẻ hàng hóa đã qua sử dụng trong các cửa hàng chuyên doanh
retail|4781|Bán lẻ lương thực, thực phẩm, đồ uống, thuốc lá, thuốc lào lưu động hoặc tại chợ
retail|4782|Bán lẻ hàng dệt, may sẵn, giày dép lưu động hoặc tại chợ
retail|4789|Bán lẻ hàng hóa khác lưu động hoặc tại chợ
retail|4791|Bán lẻ theo yêu cầu đặt hàng qua bưu điện hoặc internet
retail|4799|Bán lẻ hình thức khác chưa được phân vào đâu
transport|4920|Vận tải bằng xe buýt
transport|4931|Vận tải hành khách đường bộ trong nội thành, ngoại thành (trừ vận tải bằng xe buýt)
transport|4932|Vận tải hành khách đường bộ khác
transport|4933|Vận tải hàng hóa bằng đường bộ
transport|5012|Vận tải hàng hóa ven biển và viễn dương
transport|5021|Vận tải hành khách đường thủy nội địa
transport|5022|Vận tải hàng hóa đường thủy nội địa
transport|5210|Kho bãi và lưu giữ hàng hóa
transport|5224|Bốc xếp hàng hóa
transport|5225|Hoạt động dịch vụ hỗ trợ trực tiếp cho vận tải đường bộ
transport|5229|Hoạt động dịch vụ hỗ trợ khác liên quan đến vận tải
transport|5320|Chuyển phát
hotel|5510|Dịch vụ lưu trú ngắn ngày
hotel|5590|Cơ sở lưu trú khác
hotel|5610|Nhà hàng và các dịch vụ ăn uống phục vụ lưu động
hotel|5621|Cung cấp dịch vụ ăn uống theo hợp đồng không thường xuyên với khách hàng (phục vụ tiệc, hội họp, đám cưới...)
hotel|5629|Dịch vụ ăn uống khác
hotel|5630|Dịch vụ phục vụ đồ uống
media|5811|Xuất bản sách
media|5813|Xuất bản báo, tạp chí và các ấn phẩm định kỳ
media|5911|Hoạt động sản xuất phim điện ảnh, phim video và chương trình truyền hình
media|5912|Hoạt động hậu kỳ
media|7310|Quảng cáo
media|7320|Nghiên cứu thị trường và thăm dò dư luận
it|5820|Xuất bản phần mềm
it|6110|Hoạt động viễn thông có dây
it|6120|Hoạt động viễn thông không dây
it|6190|Hoạt động viễn thông khác
it|6201|Lập trình máy vi tính
it|6202|Tư vấn máy vi tính và quản trị hệ thống máy vi tính
it|6209|Hoạt động dịch vụ công nghệ thông tin và dịch vụ khác liên quan đến máy vi tính
it|6311|Xử lý dữ liệu, cho thuê và các hoạt động liên quan
it|6312|Cổng thông tin
it|6399|Dịch vụ thông tin khác chưa được phân vào đâu
finance|6492|Hoạt động cấp tín dụng khác
finance|6619|Hoạt động hỗ trợ dịch vụ tài chính chưa được phân vào đâu
finance|6622|Hoạt động của đại lý và môi giới bảo hiểm
realty|6810|Kinh doanh bất động sản, quyền sử dụng đất thuộc chủ sở hữu, chủ sử dụng hoặc đi thuê
realty|6820|Tư vấn, môi giới, đấu giá bất động sản, đấu giá quyền sử dụng đất
prof|6910|Hoạt động pháp luật
prof|6920|Hoạt động liên quan đến kế toán, kiểm toán và tư vấn về thuế
prof|7020|Hoạt động tư vấn quản lý
prof|7110|Hoạt động kiến trúc và tư vấn kỹ thuật có liên quan
prof|7120|Kiểm tra và phân tích kỹ thuật
prof|7212|Nghiên cứu khoa học và phát triển công nghệ trong lĩnh vực khoa học kỹ thuật và công nghệ
prof|7410|Hoạt động thiết kế chuyên dụng
prof|7420|Hoạt động nhiếp ảnh
prof|7490|Hoạt động chuyên môn, khoa học và công nghệ khác chưa được phân vào đâu
prof|7500|Hoạt động thú y
services|7710|Cho thuê xe có động cơ
services|7730|Cho thuê máy móc, thiết bị và đồ dùng hữu hình khác
services|7810|Hoạt động của các trung tâm, đại lý tư vấn, giới thiệu và môi giới lao động, việc làm
services|7830|Cung ứng và quản lý nguồn lao động
services|7911|Đại lý du lịch
services|7912|Điều hành tua du lịch
services|7990|Dịch vụ đặt chỗ và các dịch vụ hỗ trợ liên quan đến quảng bá và tổ chức tua du lịch
services|8010|Hoạt động bảo vệ cá nhân
services|8110|Dịch vụ hỗ trợ tổng hợp
services|8121|Vệ sinh chung nhà cửa
services|8129|Vệ sinh nhà cửa và các công trình khác
services|8130|Dịch vụ chăm sóc và duy trì cảnh quan
services|8211|Dịch vụ hành chính văn phòng tổng hợp
services|8219|Photo, chuẩn bị tài liệu và các hoạt động hỗ trợ văn phòng đặc biệt khác
services|8230|Tổ chức giới thiệu và xúc tiến thương mại
services|8292|Dịch vụ đóng gói
services|8299|Hoạt động dịch vụ hỗ trợ kinh doanh khác còn lại chưa được phân vào đâu
edu|8510|Giáo dục mầm non
edu|8521|Giáo dục tiểu học
edu|8551|Giáo dục thể thao và giải trí
edu|8552|Giáo dục văn hoá nghệ thuật
edu|8559|Giáo dục khác chưa được phân vào đâu
edu|8560|Dịch vụ hỗ trợ giáo dục
health|8610|Hoạt động của các bệnh viện, trạm y tế
health|8620|Hoạt động của các phòng khám đa khoa, chuyên khoa và nha khoa
health|8691|Hoạt động y tế dự phòng
health|8692|Hoạt động của hệ thống cơ sở chỉnh hình, phục hồi chức năng
health|8699|Hoạt động y tế khác chưa được phân vào đâu
health|8710|Hoạt động của các cơ sở nuôi dưỡng, điều dưỡng
arts|9000|Hoạt động sáng tác, nghệ thuật và giải trí
arts|9311|Hoạt động của các cơ sở thể thao
arts|9312|Hoạt động của các câu lạc bộ thể thao
arts|9319|Hoạt động thể thao khác
arts|9321|Hoạt động của các công viên vui chơi và công viên theo chủ đề
arts|9329|Hoạt động vui chơi giải trí khác chưa được phân vào đâu
personal|9511|Sửa chữa máy vi tính và thiết bị ngoại vi
personal|9512|Sửa chữa thiết bị liên lạc
personal|9521|Sửa chữa thiết bị nghe nhìn điện tử gia dụng
personal|9522|Sửa chữa thiết bị, đồ dùng gia đình
personal|9523|Sửa chữa giày, dép, hàng da và giả da
personal|9524|Sửa chữa giường, tủ, bàn, ghế và đồ nội thất tương tự
personal|9529|Sửa chữa đồ dùng cá nhân và gia đình khác
personal|9610|Dịch vụ tắm hơi, massage và các dịch vụ tăng cường sức khoẻ tương tự (trừ hoạt động thể thao)
personal|9620|Giặt là, làm sạch các sản phẩm dệt và lông thú
personal|9631|Cắt tóc, làm đầu, gội đầu
personal|9632|Hoạt động dịch vụ phục vụ tang lễ
personal|9633|Hoạt động dịch vụ phục vụ hôn lễ
personal|9639|Hoạt động dịch vụ phục vụ cá nhân khác còn lại chưa được phân vào đâu
"""

# Sector -> words for an enterprise's name (Vietnamese, English), and its share of
# enterprises (unverified sampling weights).
SECTORS: dict[str, tuple[list[tuple[str, str]], float]] = {
    "trade": (
        [
            ("THƯƠNG MẠI", "TRADING"),
            ("THƯƠNG MẠI VÀ DỊCH VỤ", "TRADING AND SERVICES"),
            ("XUẤT NHẬP KHẨU", "IMPORT EXPORT"),
            ("THƯƠNG MẠI TỔNG HỢP", "GENERAL TRADING"),
        ],
        24,
    ),
    "retail": ([("THƯƠNG MẠI", "TRADING"), ("KINH DOANH", "BUSINESS")], 8),
    "build": (
        [
            ("XÂY DỰNG", "CONSTRUCTION"),
            ("ĐẦU TƯ XÂY DỰNG", "CONSTRUCTION INVESTMENT"),
            ("XÂY DỰNG VÀ THƯƠNG MẠI", "CONSTRUCTION AND TRADING"),
        ],
        16,
    ),
    "mech": ([("CƠ KHÍ", "MECHANICAL"), ("KỸ THUẬT", "ENGINEERING")], 5),
    "chem": ([("SẢN XUẤT", "MANUFACTURING"), ("HÓA CHẤT", "CHEMICALS")], 2),
    "wood": ([("SẢN XUẤT", "MANUFACTURING"), ("NỘI THẤT", "FURNITURE")], 3),
    "textile": ([("MAY MẶC", "GARMENT"), ("DỆT MAY", "TEXTILE")], 3),
    "food": ([("THỰC PHẨM", "FOOD"), ("NÔNG SẢN", "AGRICULTURAL PRODUCTS")], 4),
    "agri": ([("NÔNG NGHIỆP", "AGRICULTURE"), ("NÔNG LÂM", "AGRO-FORESTRY")], 2),
    "mine": ([("KHOÁNG SẢN", "MINERALS")], 0.5),
    "utility": ([("MÔI TRƯỜNG", "ENVIRONMENT"), ("NĂNG LƯỢNG", "ENERGY")], 1),
    "motor": ([("Ô TÔ", "AUTOMOBILE"), ("THƯƠNG MẠI", "TRADING")], 2),
    "transport": (
        [("VẬN TẢI", "TRANSPORT"), ("LOGISTICS", "LOGISTICS"), ("GIAO NHẬN", "FORWARDING")],
        6,
    ),
    "hotel": ([("DU LỊCH", "TOURISM"), ("NHÀ HÀNG KHÁCH SẠN", "HOTEL AND RESTAURANT")], 4),
    "media": ([("TRUYỀN THÔNG", "MEDIA"), ("QUẢNG CÁO", "ADVERTISING")], 2),
    "it": (
        [("CÔNG NGHỆ", "TECHNOLOGY"), ("PHẦN MỀM", "SOFTWARE"), ("GIẢI PHÁP SỐ", "DIGITAL")],
        5,
    ),
    "finance": ([("TƯ VẤN TÀI CHÍNH", "FINANCIAL CONSULTING")], 1),
    "realty": (
        [("BẤT ĐỘNG SẢN", "REAL ESTATE"), ("ĐẦU TƯ VÀ PHÁT TRIỂN", "INVESTMENT AND DEVELOPMENT")],
        3,
    ),
    "prof": ([("TƯ VẤN", "CONSULTING"), ("TƯ VẤN THIẾT KẾ", "DESIGN CONSULTING")], 4),
    "services": ([("DỊCH VỤ", "SERVICES"), ("DỊCH VỤ TỔNG HỢP", "GENERAL SERVICES")], 3),
    "edu": ([("GIÁO DỤC", "EDUCATION"), ("ĐÀO TẠO", "TRAINING")], 1.5),
    "health": ([("Y TẾ", "MEDICAL"), ("DƯỢC PHẨM", "PHARMACEUTICAL")], 1.5),
    "arts": ([("GIẢI TRÍ", "ENTERTAINMENT"), ("THỂ THAO", "SPORTS")], 1),
    "personal": ([("DỊCH VỤ", "SERVICES")], 1),
}

# Lines that household businesses mostly register (shops, eateries, repairs; unverified).
HOUSEHOLD_LINES = [
    "4711", "4722", "4723", "4781", "4771", "4772", "4752", "4759", "4741", "4543", "4542",
    "4520", "5610", "5630", "5629", "9631", "9522", "9512", "9620", "1071", "1075", "1410",
    "0146", "0145", "0118", "4933", "5510", "4782", "4789", "9610",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class VsicLine:
    """One level-4 VSIC code."""

    code: str
    name: str
    sector: str


@cache
def vsic_lines() -> tuple[VsicLine, ...]:
    """Every level-4 code of the table, in code order."""
    rows = [line.split("|", 2) for line in _TABLE.strip().splitlines()]
    return tuple(sorted((VsicLine(c, n, s) for s, c, n in rows), key=lambda v: v.code))


@cache
def vsic_by_code() -> dict[str, VsicLine]:
    """Code -> line."""
    return {v.code: v for v in vsic_lines()}


@cache
def lines_by_sector() -> dict[str, tuple[VsicLine, ...]]:
    """Sector tag -> its lines."""
    out: dict[str, list[VsicLine]] = {}
    for v in vsic_lines():
        out.setdefault(v.sector, []).append(v)
    return {k: tuple(v) for k, v in out.items()}


def line_doc(code: str, *, is_main: bool) -> dict[str, object]:
    """A business-line document (`registries.schemas.BusinessLine`)."""
    return {
        "code": code,
        "name": vsic_by_code()[code].name,
        "is_main": is_main,
        "vsic_version": VSIC_VERSION,
    }
